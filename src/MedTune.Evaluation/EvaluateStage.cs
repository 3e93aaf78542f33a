using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using MedTune.Inference;
using MedTune.Manifest;
using MedTune.Pipeline;
using MedTune.Scoring;
using MedTune.Scoring.Output;

namespace MedTune.Evaluation;

/// <summary>
/// Evaluates one exported model (base or tuned) on every <c>datasets.eval</c> set: writes
/// <c>predictions/&lt;dataset&gt;.jsonl</c>, <c>scores/&lt;dataset&gt;.json</c> and <c>evaluation.json</c>.
/// </summary>
public sealed class EvaluateStage : IStage
{
    private readonly ExperimentManifest _manifest;
    private readonly string _exportStageName;
    private readonly string _modelLabel;
    private readonly Func<string, string, ITextGenerator> _openGenerator;

    /// <summary>Evaluates the ONNX model that stage <paramref name="exportStageName"/> exported, on ONNX Runtime.</summary>
    public EvaluateStage(ExperimentManifest manifest, string exportStageName, string modelLabel)
        : this(manifest, exportStageName, modelLabel, OnnxTextGenerators.Open)
    {
    }

    /// <param name="openGenerator">Model directory and <c>evaluate.device</c> → a text generator (tests pass a fake).</param>
    public EvaluateStage(ExperimentManifest manifest, string exportStageName, string modelLabel, Func<string, string, ITextGenerator> openGenerator)
    {
        if (modelLabel is not ("base" or "tuned"))
            throw new ArgumentException($"Model label must be 'base' or 'tuned' (got '{modelLabel}').", nameof(modelLabel));
        (_manifest, _exportStageName, _modelLabel, _openGenerator) = (manifest, exportStageName, modelLabel, openGenerator);
    }

    public string Kind => "evaluate";
    public int ImplementationVersion => 2; // 2: scores name the data as the manifest writes it (no absolute path); predictions keep their prompt

    /// <summary>The manifest sections that determine this stage's output: seed, evaluate (less the model list), datasets.eval.</summary>
    public static JsonNode ConfigFor(ExperimentManifest manifest)
    {
        var evaluate = SnakeCase(manifest.Evaluate).AsObject();
        evaluate.Remove("models");                 // which models run does not change one model's output
        evaluate.Remove("resolved_fewshot_path");  // machine-specific; the file's content is a stage input
        var datasets = new JsonArray();
        foreach (var spec in manifest.Datasets.Eval)
        {
            var node = SnakeCase(spec).AsObject();
            node.Remove("resolved_path");
            node["name"] = DatasetName(spec);
            datasets.Add(node);
        }
        return new JsonObject { ["seed"] = manifest.Seed, ["evaluate"] = evaluate, ["datasets_eval"] = datasets };
    }

    /// <summary>The dataset's report name: <c>name</c>, else the file or directory name without extension.</summary>
    public static string DatasetName(DatasetSpec spec) =>
        !string.IsNullOrWhiteSpace(spec.Name) ? spec.Name : Path.GetFileNameWithoutExtension(spec.Path.TrimEnd('/', '\\'));

    public Task RunAsync(StageContext context, CancellationToken cancellationToken)
    {
        var settings = EvaluationSettings.FromManifest(_manifest);
        if (!context.UpstreamOutputs.TryGetValue(_exportStageName, out var modelDirectory))
            throw new InvalidOperationException($"Evaluate stage '{context.StageName}' needs the output of stage '{_exportStageName}', which is not among its inputs.");

        if (settings.Template == EvaluationTemplates.IgakuQaLetters && !settings.Metrics.Contains("letter"))
            context.Reporter.Warning("evaluate.template is igakuqa_letters but evaluate.metrics lacks 'letter': letter answers will only be scored as free text.");
        if (_manifest.Datasets.Eval.Count == 0)
            throw new ArgumentException("datasets.eval is empty: name at least one exam dataset to evaluate on.");

        var datasets = _manifest.Datasets.Eval.Select(spec => (Spec: spec, Questions: ReadDataset(spec))).ToArray();
        foreach (var (_, questions) in datasets)
            foreach (var warning in questions.Warnings) context.Reporter.Warning(warning);
        using var generator = _openGenerator(modelDirectory, _manifest.Evaluate.Device);
        var evaluator = new ExamEvaluator(generator, settings);

        var evaluated = new List<EvaluatedDataset>();
        long generatedTokens = 0;
        var clock = Stopwatch.StartNew();
        using (var progress = context.Reporter.StartProgress($"Evaluating {_modelLabel}", datasets.Sum(d => d.Questions.Count), "questions"))
        {
            foreach (var (spec, questions) in datasets)
            {
                var name = DatasetName(spec);
                progress.Describe($"Evaluating {_modelLabel} on {name}");
                var evaluation = evaluator.Evaluate(questions, progress, cancellationToken);
                generatedTokens += evaluation.Predictions.Sum(p => (long)p.GeneratedTokens);
                evaluated.Add(WriteDataset(context.OutputDirectory, name, questions, evaluation));
                context.Reporter.Info($"{name}: {questions.FilterDescription}");
            }
        }
        double seconds = clock.Elapsed.TotalSeconds;

        var summary = new EvaluationSummary
        {
            ModelLabel = _modelLabel,
            Template = settings.Template,
            Shots = settings.Exemplars.Count,
            FewshotIds = settings.Exemplars.Select(e => e.Question.ProblemId).ToArray(),
            ShuffleOptions = settings.ShuffleOptions,
            Decoding = settings.DecodingDescription,
            Metrics = settings.Metrics,
            Datasets = evaluated,
        };
        OutputFiles.WriteJson(Path.Combine(context.OutputDirectory, EvaluationSummary.FileName), summary);

        context.RecordFacts["model_label"] = _modelLabel;
        context.RecordFacts["template"] = settings.Template;
        context.RecordFacts["shots"] = settings.Exemplars.Count;
        context.RecordFacts["decoding"] = summary.Decoding;
        context.RecordFacts["datasets"] = JsonSerializer.SerializeToNode(evaluated);
        context.RecordFacts["generated_tokens"] = generatedTokens;
        context.RecordFacts["seconds"] = Math.Round(seconds, 3);
        return Task.CompletedTask;
    }

    /// <summary>The questions of one <c>datasets.eval</c> entry, filtered (<c>skip_invalid</c> skips and reports malformed lines), named by the path as written.</summary>
    public static ExamQuestionSet ReadDataset(DatasetSpec spec)
    {
        if (spec.Format != "exam")
            throw new ArgumentException($"Evaluation dataset '{DatasetName(spec)}' has format '{spec.Format}'; datasets.eval entries must have format: exam.");
        var read = ExamQuestionReader.Read(spec.ResolvedPath ?? spec.Path, spec.Filters, skipInvalid: spec.SkipInvalid);
        if (spec.ResolvedPath is not { } resolved) return read;
        // The outputs are hashed: name the data as the manifest writes it (relative, ${VAR} unexpanded), never by
        // this machine's absolute path, so that scores/*.json reproduce byte for byte on any clone.
        return new ExamQuestionSet(spec.Path, read, read.TotalRead, read.Filters,
            read.Warnings.Select(w => w.Replace(resolved, spec.Path, StringComparison.Ordinal)).ToArray());
    }

    private static EvaluatedDataset WriteDataset(string outputDirectory, string name, ExamQuestionSet questions, DatasetEvaluation evaluation)
    {
        var predictionsPath = $"predictions/{name}.jsonl";
        var scoresPath = $"scores/{name}.json";
        OutputFiles.WriteJsonLines(Path.Combine(outputDirectory, predictionsPath), evaluation.Predictions);
        ScoreReportJson.Write(Path.Combine(outputDirectory, scoresPath), evaluation.Scores);
        return new EvaluatedDataset
        {
            Name = name,
            Filter = questions.FilterDescription,
            Questions = questions.Count,
            TotalRead = questions.TotalRead,
            Predictions = predictionsPath,
            Scores = scoresPath,
        };
    }

    private static readonly JsonSerializerOptions SnakeCaseOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private static JsonNode SnakeCase<T>(T value) => JsonSerializer.SerializeToNode(value, SnakeCaseOptions)!;
}
