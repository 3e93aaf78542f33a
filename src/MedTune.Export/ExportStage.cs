using System.Text.Json.Nodes;
using MedTune.Export.Gguf;
using MedTune.Manifest;
using MedTune.Pipeline;

namespace MedTune.Export;

/// <summary>
/// Pipeline stage <c>export</c>: turns a Hugging Face model directory (the base model or the merged one)
/// into an ONNX decoder with genai_config.json and tokenizer files, ready for ONNX Runtime (GenAI), and — when
/// <c>export.formats</c> includes gguf — GGUF files for llama.cpp/Ollama with an Ollama Modelfile.
/// </summary>
/// <param name="modelfileTemplate">The prompt the model is used with, <c>{{ .Prompt }}</c> where the question goes (Modelfile TEMPLATE).</param>
/// <param name="int4Prompts">What an int4 export measures its cost on: the evaluation's own prompts when the experiment has
/// an evaluation set (the composition root builds them), else <see cref="Int4Cost.BuiltinPrompts"/>.</param>
public sealed class ExportStage(ExperimentManifest manifest, ModelReference model, string modelfileTemplate, IReadOnlyList<string> modelfileStops,
    Int4PromptSet? int4Prompts = null) : IStage
{
    public string Kind => "export";

    /// <summary>
    /// 2: int4 exports also write <see cref="Int4Cost.FileName"/>, the measured cost of quantization.
    /// 3: a SentencePiece model without tokenizer.json gets one written from tokenizer.model, for ONNX Runtime GenAI.
    /// </summary>
    public int ImplementationVersion => 3;

    public static bool WritesGguf(ExperimentManifest m) => m.Export.Formats.Contains("gguf");

    /// <summary>
    /// The manifest's <c>export</c> section: all that decides the exported bytes besides the model itself. The GGUF
    /// keys (and the Modelfile's template) join only when GGUF is written, so ONNX-only exports keep their keys.
    /// </summary>
    /// <param name="int4PromptSet">The name of the prompts an int4 export measures its cost on (their file joins the
    /// stage's inputs); null: the builtin set. Only int4 exports carry it, so other exports keep their keys.</param>
    public static JsonNode ConfigFor(ExperimentManifest m, string modelfileTemplate, IReadOnlyList<string> modelfileStops, string? int4PromptSet = null)
    {
        var config = new JsonObject
        {
            ["opset"] = m.Export.Opset,
            ["precision"] = m.Export.Precision,
        };
        if (ExportOptions.ParsePrecision(m.Export.Precision) == ExportPrecision.Int4)
        {
            if (!m.Export.Int4Cost) config["int4_cost"] = false;
            else if (int4PromptSet is not null) config["int4_cost_prompts"] = int4PromptSet;
        }
        if (WritesGguf(m))
        {
            config["formats"] = new JsonArray(m.Export.Formats.Select(f => (JsonNode?)f).ToArray());
            config["gguf_types"] = new JsonArray(m.Export.GgufTypes.Select(f => (JsonNode?)f).ToArray());
            config["modelfile_template"] = modelfileTemplate;
            config["modelfile_stops"] = new JsonArray(modelfileStops.Select(f => (JsonNode?)f).ToArray());
        }
        return config;
    }

    public Task RunAsync(StageContext context, CancellationToken cancellationToken)
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
        var config = Checkpoints.ModelConfig.Load(Path.Combine(source, "config.json"));
        var measure = options.Precision == ExportPrecision.Int4 && manifest.Export.Int4Cost;
        if (options.Precision == ExportPrecision.Int4 && !measure)
            context.Reporter.Info("int4's cost is not measured (export.int4_cost: false)");
        var steps = OnnxExporter.ProgressSteps(config) * (measure ? 2 : 1);
        using var progress = context.Reporter.StartProgress($"exporting {model} to ONNX", steps, "layers");
        var stepProgress = new StepProgress(progress);
        var result = OnnxExporter.Export(source, context.OutputDirectory, options, stepProgress);
        if (measure)
        {
            // The cost of int4, measured against the fp32 export of the same weights (written to scratch, then deleted).
            var reference = Path.Combine(context.WorkDirectory, "int4-reference");
            try
            {
                OnnxExporter.Export(source, reference, options with { Precision = ExportPrecision.Fp32 }, stepProgress);
                var tokenizer = Checkpoints.Tokenization.TextTokenizer.Load(source);
                var prompts = int4Prompts ?? new Int4PromptSet("builtin", () => Int4Cost.BuiltinPrompts);
                var cost = Int4Cost.Measure(reference, context.OutputDirectory, tokenizer, prompts.Read(), prompts.Name);
                cost.Write(context.OutputDirectory);
                context.RecordFacts["int4_cost"] = cost.ToJson();
                context.Reporter.Info(cost.ToString());
            }
            finally
            {
                if (Directory.Exists(reference)) Directory.Delete(reference, recursive: true);
            }
        }
        context.RecordFacts["ir_version"] = result.IrVersion;
        context.RecordFacts["opset"] = result.Opset;
        context.RecordFacts["precision"] = ExportOptions.PrecisionName(result.Precision);
        context.RecordFacts["model_bytes"] = result.ModelBytes;
        context.RecordFacts["external_data_bytes"] = result.ExternalDataBytes;
        context.RecordFacts["operators"] = new JsonArray(result.OperatorTypes.Select(o => (JsonNode?)o).ToArray());
        context.RecordFacts["fused_operators"] = new JsonArray(result.FusedOperators.Select(o => (JsonNode?)o).ToArray());
        context.RecordFacts["copied_files"] = new JsonArray(result.CopiedFiles.Select(o => (JsonNode?)o).ToArray());
        context.Reporter.Info($"wrote {Path.GetFileName(result.ModelPath)} ({result.ModelBytes + result.ExternalDataBytes} bytes, IR {result.IrVersion})");
        if (result.TokenizerJsonNotWritten is { } why)
            context.Reporter.Warning($"no tokenizer.json written beside the ONNX model, so ONNX Runtime GenAI cannot tokenize by itself: {why}");
        if (!WritesGguf(manifest)) return Task.CompletedTask;

        cancellationToken.ThrowIfCancellationRequested();
        context.Reporter.Info($"exporting {model} to GGUF ({string.Join(", ", manifest.Export.GgufTypes)})");
        var gguf = GgufExporter.Export(source, context.OutputDirectory, new GgufExportOptions
        {
            Types = manifest.Export.GgufTypes.Select(GgufExportOptions.ParseType).ToArray(),
            // Not the experiment name: the cache shares identical exports between experiments.
            Name = "medtune-model",
            PromptTemplate = modelfileTemplate,
            StopStrings = modelfileStops,
        });
        context.RecordFacts["gguf_files"] = new JsonArray(gguf.Select(f => (JsonNode?)new JsonObject
        {
            ["file"] = Path.GetFileName(f.Path), ["type"] = GgufExportOptions.TypeName(f.Type), ["bytes"] = f.Bytes,
        }).ToArray());
        context.Reporter.Info($"wrote {string.Join(", ", gguf.Select(f => Path.GetFileName(f.Path)))} and {GgufExporter.ModelfileName}");
        return Task.CompletedTask;
    }

    private sealed class StepProgress(IStageProgress bar) : IProgress<int>
    {
        public void Report(int value) => bar.Increment(value);
    }
}
