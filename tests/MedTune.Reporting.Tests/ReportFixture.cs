using System.Text;
using MedTune.Evaluation;
using MedTune.Inference;
using MedTune.Manifest;
using MedTune.Pipeline;

namespace MedTune.Reporting.Tests;

/// <summary>
/// Builds real evaluate-stage outputs (base and tuned) by running <see cref="EvaluateStage"/> with scripted
/// generators on a small exam file: base answers 6 of 20 questions exactly, tuned 14 (fixed, so scores are too).
/// </summary>
public sealed class ReportFixture : IDisposable
{
    public const int QuestionCount = 20;
    private readonly string _root = Path.Combine(Path.GetTempPath(), "medtune-report-" + Guid.NewGuid().ToString("N")[..12]);

    public ReportFixture()
    {
        Directory.CreateDirectory(_root);
        DatasetPath = Path.Combine(_root, "mini.jsonl");
        File.WriteAllText(DatasetPath, ExamFile());
        Manifest = new ExperimentManifest
        {
            Name = "mini-experiment",
            Seed = 42,
            ManifestPath = Path.Combine(_root, "mini-experiment.yaml"),
            Datasets = new DatasetsSection
            {
                Eval = [new DatasetSpec { Name = "mini", Path = DatasetPath, ResolvedPath = DatasetPath, Format = "exam", Filters = new DatasetFilters { TextOnly = true } }],
            },
            Evaluate = new EvaluateSection { BootstrapResamples = 200, Metrics = ["accuracy", "exact_match", "gestalt", "loglik"] },
            Report = new ReportSection { Title = "Mini: base vs LoRA（医師国家試験・小テスト）" },
        };
        File.WriteAllText(Manifest.ManifestPath, "name: mini-experiment\nseed: 42\n");
        BaseDirectory = Evaluate("base", correctUpTo: 6);
        TunedDirectory = Evaluate("tuned", correctUpTo: 14);
        TrainDirectory = Directory.CreateDirectory(Path.Combine(_root, "train")).FullName;
        var log = new StringBuilder("{\"event\":\"start\"}\n");
        for (int step = 1; step <= 30; step++) log.Append($"{{\"step\":{step},\"loss\":{3.0 / Math.Sqrt(step):0.0000},\"lr\":0.0003}}\n");
        File.WriteAllText(Path.Combine(TrainDirectory, TrainLogReader.FileName), log.ToString());
        File.WriteAllText(Path.Combine(TrainDirectory, TrainingDataReader.FileName), $$"""
            {"steps": 30, "final_loss": 0.55, "examples": {{TrainExamples}}, "tokens": 12345, "loss_tokens": 2345,
             "datasets": [{"name": "mini-instructions", "format": "alpaca", "template": "alpaca_ja", "records": 42, "skipped_invalid_records": 0,
                           "examples": {{TrainExamples}}, "truncated_examples": 2, "dropped_examples": 1, "tokens": 12345, "loss_tokens": 2345}],
             "trainable_parameters": 73728}
            """);
    }

    public const int TrainExamples = 41;

    public ExperimentManifest Manifest { get; }
    public string DatasetPath { get; }
    public string BaseDirectory { get; }
    public string TunedDirectory { get; }
    public string TrainDirectory { get; }

    public string NewDirectory(string name) => Directory.CreateDirectory(Path.Combine(_root, name + "-" + Guid.NewGuid().ToString("N")[..6])).FullName;

    /// <summary>The report from the fixture's outputs with fixed provenance (no machine facts), for snapshots.</summary>
    public ReportData Report() => Report([ModelEvaluation.Read("base", BaseDirectory), ModelEvaluation.Read("tuned", TunedDirectory)]);

    /// <summary>The report of some of the models (e.g. base only): no training sections without a tuned model.</summary>
    public ReportData Report(IReadOnlyList<ModelEvaluation> models) => ReportBuilder.Build(Manifest,
        models,
        models.Any(m => m.Label == "tuned") ? TrainLogReader.TryRead(TrainDirectory) : null,
        new Provenance
        {
            ManifestPath = "experiments/mini-experiment.yaml",
            ManifestText = "name: mini-experiment\nseed: 42\n",
            Stages = [new StageProvenance { Stage = "evaluate-base", Kind = "evaluate", Key = "a1b2c3d4e5f6a7b8", OutputHash = "0123456789abcdef" }],
        },
        models.Any(m => m.Label == "tuned") ? TrainingDataReader.TryRead(TrainDirectory, KeySettings.Training(Manifest)) : null);

    private static string ExamFile()
    {
        var sb = new StringBuilder();
        for (int i = 1; i <= QuestionCount; i++)
        {
            var section = i <= 10 ? "A" : "B";
            sb.Append($"{{\"problem_id\": \"112{section}{i}\", \"problem_text\": \"問題{i}：正しいのはどれか。\", ")
              .Append($"\"choices\": [\"選択肢{i}あ\", \"選択肢{i}い\", \"選択肢{i}う\", \"選択肢{i}え\", \"選択肢{i}お\"], ")
              .Append($"\"text_only\": true, \"answer\": [\"{(char)('a' + i % 5)}\"], \"points\": \"1\"}}\n");
        }
        return sb.ToString();
    }

    private static int QuestionNumber(string prompt)
    {
        int at = prompt.LastIndexOf("問題", StringComparison.Ordinal) + 2;
        int end = prompt.IndexOf('：', at);
        return int.Parse(prompt[at..end]);
    }

    private string Evaluate(string label, int correctUpTo)
    {
        var output = NewDirectory("evaluate-" + label);
        var stage = new EvaluateStage(Manifest, "export", label, (_, _) => new ScriptedGenerator(prompt =>
        {
            int i = QuestionNumber(prompt);
            var gold = $"選択肢{i}{"あいうえお"[i % 5]}";
            return i <= correctUpTo ? gold : i % 2 == 0 ? gold + "です" : "わかりません";
        }, correctUpTo));
        var context = new StageContext
        {
            StageName = "evaluate-" + label, Key = label, OutputDirectory = output, WorkDirectory = NewDirectory("work"),
            UpstreamOutputs = new Dictionary<string, string> { ["export"] = _root }, Seed = Manifest.Seed, Reporter = SilentStageReporter.Instance,
        };
        stage.RunAsync(context, CancellationToken.None).GetAwaiter().GetResult();
        return output;
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    /// <summary>Answers by script; for log-likelihood, prefers the gold option on the first <c>loglikCorrectUpTo</c> questions, else option a.</summary>
    private sealed class ScriptedGenerator(Func<string, string> answer, int loglikCorrectUpTo) : ITextGenerator
    {
        public IReadOnlyList<GeneratedText> Generate(IReadOnlyList<string> prompts, DecodingOptions options, CancellationToken cancellationToken = default) =>
            prompts.Select(p => { var text = answer(p); return new GeneratedText(text, new int[text.Length], "stop"); }).ToArray();

        public IReadOnlyList<ContinuationScore> ScoreContinuations(IReadOnlyList<(string Context, string Continuation)> pairs, CancellationToken cancellationToken = default) =>
            pairs.Select(p =>
            {
                int i = QuestionNumber(p.Context);
                char preferred = i <= loglikCorrectUpTo ? "あいうえお"[i % 5] : 'あ';
                return new ContinuationScore(p.Continuation.EndsWith(preferred) ? -1 : -10, 1, Encoding.UTF8.GetByteCount(p.Continuation));
            }).ToArray();

        public void Dispose() { }
    }
}
