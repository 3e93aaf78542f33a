using System.Globalization;
using System.Text.Json.Nodes;

namespace MedTune.Reporting;

/// <summary>
/// The report's line on what int4 export cost, read from the <c>int4_cost.json</c> an int4 export stage writes
/// (MedTune.Export's <c>Int4Cost</c>; read here by name so that reporting does not depend on the exporter).
/// </summary>
public static class Int4CostNote
{
    public const string FileName = "int4_cost.json";

    public static string? TryRead(string exportDirectory, string label)
    {
        var path = Path.Combine(exportDirectory, FileName);
        if (!File.Exists(path)) return null;
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        double D(string key) => json[key]!.GetValue<double>();
        return string.Create(CultureInfo.InvariantCulture,
            $"{label} model exported as int4 (MatMulNBits): against fp32 on {json["prompts"]} prompts ({json["prompt_set"]}), " +
            $"largest logit difference {D("max_logit_difference"):0.####}, greedy-token agreement {100 * D("greedy_agreement"):0.0}% of {json["positions"]} positions, " +
            $"perplexity {D("reference_perplexity"):0.###} → {D("int4_perplexity"):0.###} ({D("perplexity_change"):+0.###;-0.###;0}).");
    }

    /// <summary>The line for an int4 export whose cost was not measured (<c>export.int4_cost: false</c>).</summary>
    public static string NotMeasured(string label) =>
        $"{label} model exported as int4 (MatMulNBits); its cost against the unquantized model was not measured (export.int4_cost: false).";
}
