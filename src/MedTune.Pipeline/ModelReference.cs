namespace MedTune.Pipeline;

/// <summary>
/// Where a stage finds a Hugging Face model directory: the published output of an upstream stage
/// (the builtin base model, the merged model) or a directory on disk given in the manifest.
/// </summary>
public sealed record ModelReference
{
    private ModelReference(string? upstreamStage, string? path) => (UpstreamStage, Path) = (upstreamStage, path);

    public string? UpstreamStage { get; }
    public string? Path { get; }

    public static ModelReference FromStage(string stageName) => new(stageName, null);
    public static ModelReference FromPath(string directory) => new(null, directory);

    public string Resolve(StageContext context) =>
        UpstreamStage is null ? Path! : context.UpstreamOutputs[UpstreamStage];

    public override string ToString() => UpstreamStage is null ? Path! : "stage:" + UpstreamStage;
}
