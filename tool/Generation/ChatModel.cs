using MedTune.Checkpoints.Tokenization;
using MedTune.Inference;
using MedTune.Models;
using MedTune.Pipeline;
using MedTune.Tool.Experiments;
using MedTune.Training;

namespace MedTune.Tool.Generation;

/// <summary>
/// A model to talk to, as <c>generate</c> and <c>chat</c> open it: an experiment's exported model by label (ONNX Runtime),
/// an exported directory (model.onnx + tokenizer), or a Hugging Face checkpoint with an optional PEFT adapter (TorchSharp).
/// Carries the prompt template the model was tuned with.
/// </summary>
public sealed class ChatModel : IDisposable
{
    public const string NoTemplate = "none";

    private ChatModel(DecoderTextGenerator generator, string source, string runtime, string template, int seed)
    {
        Generator = generator;
        Source = source;
        Runtime = runtime;
        Template = template;
        DefaultSeed = seed;
    }

    public DecoderTextGenerator Generator { get; }
    /// <summary>Where the model came from, for the JSON output: <c>MANIFEST#label</c> or a directory.</summary>
    public string Source { get; }
    /// <summary><c>onnxruntime</c> or <c>torchsharp</c>.</summary>
    public string Runtime { get; }
    /// <summary>A training prompt template name (alpaca_ja, alpaca_en) or <see cref="NoTemplate"/>.</summary>
    public string Template { get; }
    public int DefaultSeed { get; }

    /// <summary>The text the model reads for the user's <paramref name="question"/>.</summary>
    public string PromptFor(string question, string? input = null) =>
        Template == NoTemplate ? (string.IsNullOrEmpty(input) ? question : question + "\n" + input) : PromptTemplates.Format(Template, question, input);

    /// <summary>Where an answer ends besides EOS: the template's next section marker.</summary>
    public IReadOnlyList<string> StopStrings => Template == NoTemplate ? [] : ["###"];

    public static async Task<ChatModel> OpenAsync(ModelOptions options, Action<string> note, CancellationToken cancellationToken)
    {
        var sources = new[] { options.Manifest is not null, options.ModelDirectory is not null }.Count(b => b);
        if (sources != 1)
            throw new ArgumentException("Give one model: an experiment manifest (with --model base|tuned), or --model-dir DIR (an exported model or a checkpoint).");
        if (options.Template is { } t && t != NoTemplate && !PromptTemplates.IsKnown(t))
            throw new ArgumentException($"--template '{t}' is not a training template; use one of: {string.Join(", ", PromptTemplates.Names)}, {NoTemplate}.");
        if (options.Adapter is not null && options.ModelDirectory is null)
            throw new ArgumentException("--adapter applies to a checkpoint given with --model-dir; an experiment's tuned model already has its adapter merged.");

        if (options.Manifest is not null)
        {
            var experiment = Experiment.Load(options.Manifest, options.Cache);
            var labels = experiment.Manifest.Evaluate.Models;
            var label = options.Label ?? (labels.Contains("tuned") ? "tuned" : "base");
            var export = ExperimentPlan.ExportOf(label);
            if (!experiment.Stages.Any(s => s.Name == export))
                throw new ArgumentException($"--model '{label}': {options.Manifest} has no model '{label}' (evaluate.models lists {string.Join(", ", labels)}).");
            note($"{experiment.Manifest.Name}: model '{label}' from stage {export} (cached stages are reused; missing ones run first)");
            var result = await experiment.Runner(new SilentStageReporter(), until: export).RunAsync(experiment.Stages, cancellationToken);
            var directory = result[export].OutputDirectory;
            var template = options.Template ?? experiment.Manifest.Datasets.Train.FirstOrDefault()?.Template ?? PromptTemplates.AlpacaJa;
            return new ChatModel(OpenOnnx(directory, options.Device), $"{options.Manifest}#{label}", "onnxruntime", template, experiment.Manifest.Seed);
        }

        var dir = options.ModelDirectory!;
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"--model-dir '{dir}' does not exist.");
        var defaultTemplate = options.Template ?? PromptTemplates.AlpacaJa;
        if (File.Exists(Path.Combine(dir, OnnxDecoderModel.DefaultModelFileName)))
        {
            if (options.Adapter is not null)
                throw new ArgumentException($"--adapter needs a Hugging Face checkpoint; '{dir}' is an exported ONNX model (merge the adapter before exporting).");
            return new ChatModel(OpenOnnx(dir, options.Device), dir, "onnxruntime", defaultTemplate, 0);
        }
        if (!File.Exists(Path.Combine(dir, "config.json")))
            throw new FileNotFoundException($"--model-dir '{dir}' holds neither model.onnx (an exported model) nor config.json (a Hugging Face checkpoint).");
        return new ChatModel(OpenCheckpoint(dir, options.Adapter), options.Adapter is null ? dir : $"{dir} + {options.Adapter}", "torchsharp", defaultTemplate, 0);
    }

    private static DecoderTextGenerator OpenOnnx(string directory, string device)
    {
        var tokenizer = TextTokenizer.Load(directory);
        var model = new OnnxDecoderModel(directory, device);
        try { return new DecoderTextGenerator(model, tokenizer); }
        catch { model.Dispose(); throw; }
    }

    private static DecoderTextGenerator OpenCheckpoint(string directory, string? adapter)
    {
        var tokenizer = TextTokenizer.Load(directory);
        var model = ModelLoader.Load(directory);
        try
        {
            if (adapter is not null)
            {
                if (!Directory.Exists(adapter)) throw new DirectoryNotFoundException($"--adapter '{adapter}' does not exist.");
                // Folded into the weights as the merge stage does (W + alpha/r · B·A, in float32).
                using (LoraAdapter.Load(adapter, model)) LoraMerger.Merge(model);
            }
            return new DecoderTextGenerator(new TorchDecoderModel(model), tokenizer);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    public void Dispose() => Generator.Dispose();
}

/// <summary>Which model to open (the options <c>generate</c> and <c>chat</c> share).</summary>
public sealed record ModelOptions(string? Manifest, string? Label, string? ModelDirectory, string? Adapter, string? Template, string? Cache, string Device);
