using System.Text.Json.Nodes;
using MedTune.Manifest;
using MedTune.Pipeline;

namespace MedTune.Export;

/// <summary>
/// Pipeline stage <c>export</c>: turns a Hugging Face model directory (the base model or the merged one)
/// into an ONNX decoder with genai_config.json and tokenizer files, ready for ONNX Runtime (GenAI).
/// </summary>
public sealed class ExportStage(ExperimentManifest manifest, ModelReference model) : IStage
{
    public string Kind => "export";

    public int ImplementationVersion => 1;

    /// <summary>The manifest's <c>export</c> section: all that decides the exported bytes besides the model itself.</summary>
    public static JsonNode ConfigFor(ExperimentManifest m) => new JsonObject
    {
        ["opset"] = m.Export.Opset,
        ["precision"] = m.Export.Precision,
    };

    public Task RunAsync(StageContext context, CancellationToken cancellationToken) => Task.Run(() =>
    {
        cancellationToken.ThrowIfCancellationRequested();
        var options = new ExportOptions
        {
            Opset = manifest.Export.Opset,
            Precision = ExportOptions.ParsePrecision(manifest.Export.Precision),
            // Opset 23 brings fused RMSNormalization/RotaryEmbedding/Attention; below it the plain graph is exact everywhere.
            FusedOperators = manifest.Export.Opset >= 23,
        };
        var source = model.Resolve(context);
        context.Reporter.Info($"exporting {model} to ONNX (opset {options.Opset}, {manifest.Export.Precision})");
        var result = OnnxExporter.Export(source, context.OutputDirectory, options);
        context.RecordFacts["ir_version"] = result.IrVersion;
        context.RecordFacts["opset"] = result.Opset;
        context.RecordFacts["precision"] = ExportOptions.PrecisionName(result.Precision);
        context.RecordFacts["model_bytes"] = result.ModelBytes;
        context.RecordFacts["external_data_bytes"] = result.ExternalDataBytes;
        context.RecordFacts["operators"] = new JsonArray(result.OperatorTypes.Select(o => (JsonNode?)o).ToArray());
        context.RecordFacts["fused_operators"] = new JsonArray(result.FusedOperators.Select(o => (JsonNode?)o).ToArray());
        context.RecordFacts["copied_files"] = new JsonArray(result.CopiedFiles.Select(o => (JsonNode?)o).ToArray());
        context.Reporter.Info($"wrote {Path.GetFileName(result.ModelPath)} ({result.ModelBytes + result.ExternalDataBytes} bytes, IR {result.IrVersion})");
    }, cancellationToken);
}
