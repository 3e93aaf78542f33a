namespace MedTune.Tool.Console;

/// <summary>
/// Says why a stage is stale in the manifest's own key names: the stage key hashes a config object whose layout
/// is the stage's (<c>config.datasets_eval[0].path</c>, an export's bare <c>opset</c>); users edit
/// <c>datasets.eval[0].path</c> and <c>export.opset</c>. Display only: the hashed config is left as it is.
/// </summary>
public static class StaleReasons
{
    public static string InManifestTerms(string stageKind, string reason)
    {
        const string prefix = "config.";
        if (!reason.StartsWith(prefix, StringComparison.Ordinal)) return reason;
        var rest = reason[prefix.Length..];
        if (rest.StartsWith("datasets_eval", StringComparison.Ordinal)) return "datasets.eval" + rest["datasets_eval".Length..];
        if (stageKind == "export" && (rest.StartsWith("opset", StringComparison.Ordinal) || rest.StartsWith("precision", StringComparison.Ordinal)))
            return "export." + rest;
        return rest;
    }
}
