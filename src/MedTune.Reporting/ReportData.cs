using System.Text.Json.Nodes;
using MedTune.Evaluation.Contamination;
using MedTune.Scoring;

namespace MedTune.Reporting;

// report.json: everything the Markdown and HTML renderings show, in one serialisable tree (snake_case, see ReportJson).

/// <summary>The whole report of one experiment.</summary>
public sealed record ReportData
{
    public required string Title { get; init; }
    public required string Experiment { get; init; }
    /// <summary>Model labels present, in report order (<c>base</c>, <c>tuned</c>).</summary>
    public required IReadOnlyList<string> Models { get; init; }
    /// <summary>Template, shots, decoding, option shuffling (the same for every model).</summary>
    public required SortedDictionary<string, string> Settings { get; init; }
    public required IReadOnlyList<DatasetReport> Datasets { get; init; }
    public TrainingCurve? Training { get; init; }
    /// <summary>Datasets, counts and settings of the train stage; null for a base-only report.</summary>
    public TrainingData? TrainingData { get; init; }
    /// <summary>The evaluation prompt template's text with placeholders (see docs/templates.md).</summary>
    public string? PromptTemplate { get; init; }
    public required Provenance Provenance { get; init; }
    public IReadOnlyList<string> Notes { get; init; } = [];
    /// <summary>
    /// Train/eval overlap per evaluation set (report.json key <c>contamination</c>; each entry's <c>sentence</c> reads
    /// "40 of 40 evaluation questions occur in the training data"); null when no contamination stage ran.
    /// </summary>
    public IReadOnlyList<DatasetContamination>? Contamination { get; init; }
}

/// <summary>One evaluation dataset: each model's scores, the paired base-vs-tuned comparison, and breakdowns.</summary>
public sealed record DatasetReport
{
    public required string Name { get; init; }
    /// <summary>e.g. <c>text_only, 5 choices: 1455 of 2000 questions</c>.</summary>
    public required string Filter { get; init; }
    public required int Questions { get; init; }
    /// <summary>Metric names in report order (those every model has).</summary>
    public required IReadOnlyList<string> Metrics { get; init; }
    /// <summary>Model label → metric → mean and 95% CI.</summary>
    public required SortedDictionary<string, MetricTable> Scores { get; init; }
    /// <summary>Model label → exam points (letter scoring only).</summary>
    public SortedDictionary<string, ExamPointsTotal>? ExamPoints { get; init; }
    /// <summary>Tuned minus base, one per metric; empty unless both models were evaluated.</summary>
    public IReadOnlyList<PairedComparison> Comparisons { get; init; } = [];
    /// <summary>Dimension (<c>year</c>, <c>section</c>, <c>category</c>) → group → model label → metric → summary.</summary>
    public SortedDictionary<string, SortedDictionary<string, SortedDictionary<string, MetricTable>>> Breakdowns { get; init; } = new(StringComparer.Ordinal);
    /// <summary>The first few questions with their prompt and every model's output.</summary>
    public IReadOnlyList<PromptExample> Examples { get; init; } = [];
}

/// <summary>Paired difference (second minus first model) on one metric over the same questions.</summary>
public sealed record PairedComparison
{
    public required string Metric { get; init; }
    /// <summary><c>mcnemar</c> for 0/1 metrics, <c>paired_bootstrap</c> otherwise.</summary>
    public required string Test { get; init; }
    public required string First { get; init; }
    public required string Second { get; init; }
    public required int N { get; init; }
    public required double FirstMean { get; init; }
    public required double SecondMean { get; init; }
    public required double Difference { get; init; }
    public required double PValue { get; init; }
    /// <summary>Bootstrap CI of the difference (paired bootstrap only).</summary>
    public double? CiLow { get; init; }
    public double? CiHigh { get; init; }
    /// <summary>McNemar's discordant pairs: only the first model right, only the second right.</summary>
    public int? OnlyFirstCorrect { get; init; }
    public int? OnlySecondCorrect { get; init; }
}

/// <summary>The training loss per optimizer step (from the train stage's <c>train_log.jsonl</c>).</summary>
public sealed record TrainingCurve(IReadOnlyList<int> Steps, IReadOnlyList<double> Losses);

/// <summary>
/// What produced the report: the manifest and the upstream stage records. No machine facts (tool commit, OS, CPU):
/// the report is hashed, and those live in the unhashed <c>.medtune-record.json</c> beside it.
/// </summary>
public sealed record Provenance
{
    /// <summary>The manifest's file name (e.g. <c>quickstart.yaml</c>): the same on every clone.</summary>
    public required string ManifestPath { get; init; }
    public required string ManifestText { get; init; }
    public required IReadOnlyList<StageProvenance> Stages { get; init; }
}

/// <summary>One upstream stage as its <c>.medtune-record.json</c> states it (key and output hash; null when it has no record).</summary>
public sealed record StageProvenance
{
    public required string Stage { get; init; }
    public string? Kind { get; init; }
    public string? Key { get; init; }
    public string? OutputHash { get; init; }
    /// <summary>Its own upstream stages: name → output hash.</summary>
    public SortedDictionary<string, string> Upstream { get; init; } = new(StringComparer.Ordinal);
    /// <summary>Files for other runtimes in its output (GGUF for llama.cpp/Ollama and the Modelfile); null when none.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? RuntimeFiles { get; init; }
    // No durations here: they differ between identical runs, and the report must reproduce byte for byte (verify --rerun).
}
