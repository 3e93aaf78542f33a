using System.Diagnostics;
using System.Globalization;
using MedTune.Bench.Evaluate;
using MedTune.Checkpoints.Tokenization;
using MedTune.Evaluation;
using MedTune.Export;
using MedTune.Inference;
using MedTune.Manifest;
using MedTune.Models;
using MedTune.Scoring;
using TorchSharp;

// Evaluation throughput, ONNX Runtime vs TorchSharp, on the same weights and the same IgakuQA prompts in one run.
// Usage: dotnet run -c Release --project eng/bench/evaluate -- [--questions 64] [--batch 8] [--max-new-tokens 32]
//        [--hidden 256] [--layers 4] [--model <HF checkpoint dir>] [--device cpu|cuda] [--data <shared data dir>]
var options = BenchOptions.Parse(args);
var dataRoot = options.Data ?? Environment.GetEnvironmentVariable("MEDTUNE_SHARED_DATA")
               ?? throw new ArgumentException("Set MEDTUNE_SHARED_DATA or pass --data <dir holding igakuqa/>.");
var questions = ExamQuestionReader.Read(Path.Combine(dataRoot, "igakuqa"),
    new DatasetFilters { TextOnly = true, Choices = 5, Limit = options.Questions });

var work = Directory.CreateTempSubdirectory("medtune-bench-evaluate-").FullName;
try
{
    string checkpoint, onnx;
    if (options.Model is null)
        (checkpoint, onnx) = TinyModel.Create(work, new TinyModel.Shape(options.Hidden, options.Layers, Heads: options.Hidden / 32, KeyValueHeads: Math.Max(1, options.Hidden / 64), Intermediate: options.Hidden * 8 / 3), seed: 7);
    else
    {
        checkpoint = options.Model;
        onnx = Path.Combine(work, "onnx");
        OnnxExporter.Export(checkpoint, onnx, new ExportOptions());
    }

    var settings = new EvaluationSettings
    {
        Template = EvaluationTemplates.AlpacaJaOptionText,
        Decoding = new DecodingOptions { MaxNewTokens = options.MaxNewTokens, BatchSize = options.Batch },
        BootstrapResamples = 100,
    };
    var device = options.Device == "cuda" ? torch.CUDA : torch.CPU;
    var runs = new (string Name, Func<ITextGenerator> Open)[]
    {
        ("onnxruntime", () => OnnxTextGenerators.Open(onnx, options.Device)),
        ("torchsharp", () => new DecoderTextGenerator(new TorchDecoderModel(ModelLoader.Load(checkpoint, device)), TextTokenizer.Load(checkpoint))),
    };

    Console.WriteLine($"questions={questions.Count} ({questions.FilterDescription}), batch={options.Batch}, max_new_tokens={options.MaxNewTokens}, " +
                      $"model={(options.Model ?? $"tiny-llama hidden={options.Hidden} layers={options.Layers}")}, device={options.Device}, cores={Environment.ProcessorCount}");
    var outputs = new Dictionary<string, IReadOnlyList<QuestionPrediction>>();
    foreach (var (name, open) in runs)
    {
        using var generator = open();
        new ExamEvaluator(generator, settings with { Decoding = settings.Decoding with { MaxNewTokens = 2 } })
            .Evaluate(questions.Take(Math.Min(options.Batch, questions.Count)).ToArray()); // warm-up
        var clock = Stopwatch.StartNew();
        var result = new ExamEvaluator(generator, settings).Evaluate(questions);
        double seconds = clock.Elapsed.TotalSeconds;
        long tokens = result.Predictions.Sum(p => (long)p.GeneratedTokens);
        outputs[name] = result.Predictions;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-12} {seconds,8:0.00} s  {questions.Count / seconds,8:0.00} questions/s  {tokens / seconds,9:0.0} generated tokens/s  ({tokens} tokens)"));
    }
    int same = outputs["onnxruntime"].Zip(outputs["torchsharp"]).Count(p => p.First.RawOutput == p.Second.RawOutput);
    Console.WriteLine($"identical greedy outputs: {same}/{questions.Count}");
}
finally
{
    Directory.Delete(work, recursive: true);
}

internal sealed record BenchOptions(int Questions, int Batch, int MaxNewTokens, int Hidden, int Layers, string? Model, string Device, string? Data)
{
    public static BenchOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
                throw new ArgumentException($"Expected --name value pairs, got '{args[i]}'.");
            values[args[i][2..]] = args[i + 1];
        }
        int Int(string name, int fallback) => values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        var known = new[] { "questions", "batch", "max-new-tokens", "hidden", "layers", "model", "device", "data" };
        if (values.Keys.FirstOrDefault(k => !known.Contains(k)) is { } unknown)
            throw new ArgumentException($"Unknown option --{unknown}; known: {string.Join(", ", known.Select(k => "--" + k))}.");
        return new BenchOptions(Int("questions", 64), Int("batch", 8), Int("max-new-tokens", 32), Int("hidden", 256), Int("layers", 4),
            values.GetValueOrDefault("model"), values.GetValueOrDefault("device", "cpu"), values.GetValueOrDefault("data"));
    }
}
