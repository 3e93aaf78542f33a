namespace MedTune.Scoring;

/// <summary>Mean of a metric with its bootstrap confidence interval.</summary>
/// <summary>A metric's mean over N questions and its bootstrap interval (null when evaluate.bootstrap_resamples is 0).</summary>
public sealed record MetricSummary(double Mean, double? CiLow, double? CiHigh, int N);

/// <summary>Metric name -&gt; summary, in ordinal key order (stable JSON).</summary>
public sealed class MetricTable : SortedDictionary<string, MetricSummary>
{
    public MetricTable() : base(StringComparer.Ordinal) { }
}

/// <summary>Group name (e.g. <c>2018</c>, <c>112-A</c>, <c>小児科</c>) -&gt; its metric table, in ordinal key order.</summary>
public sealed class GroupTable : SortedDictionary<string, MetricTable>
{
    public GroupTable() : base(StringComparer.Ordinal) { }
}

/// <summary>The same metrics per exam year, per section and per category (empty where the data has none).</summary>
public sealed class ScoreBreakdowns
{
    public GroupTable Year { get; init; } = new();
    public GroupTable Section { get; init; } = new();
    public GroupTable Category { get; init; } = new();
}

public sealed record BootstrapSettings(int Resamples, int Seed, double ConfidenceLevel);

/// <summary>Exam points in letter mode: earned over total, as the IgakuQA release reports them.</summary>
public sealed record ExamPointsTotal(double Earned, double Total);

/// <summary>Prediction ids that did not line up with the questions (see <see cref="Predictions.PredictionMismatch"/>).</summary>
public sealed record PredictionIssues(IReadOnlyList<string> UnknownIds, IReadOnlyList<string> MissingIds, IReadOnlyList<string> DuplicateIds);

/// <summary>The result of scoring one prediction set; serialised by <see cref="ScoreReportJson"/> (snake_case).</summary>
public sealed class ScoreReport
{
    /// <summary><c>response</c> or <c>letter</c>.</summary>
    public string Mode { get; init; } = "";
    public string Questions { get; init; } = "";
    public string Predictions { get; init; } = "";
    /// <summary>e.g. <c>text_only, 5 choices: 1455 of 2000 questions</c>.</summary>
    public string Filter { get; init; } = "";
    public int N { get; init; }
    /// <summary>What produced the predictions (prompt template, shots, decoding), as the caller states it.</summary>
    public SortedDictionary<string, string> Settings { get; init; } = new(StringComparer.Ordinal);
    public BootstrapSettings Bootstrap { get; init; } = new(0, 0, 0);
    public MetricTable Summary { get; init; } = new();
    public ExamPointsTotal? ExamPoints { get; init; }
    public ScoreBreakdowns Breakdowns { get; init; } = new();
    public PredictionIssues PredictionIssues { get; init; } = new(Array.Empty<string>(), Array.Empty<string>(), Array.Empty<string>());
    /// <summary>Question records repaired or skipped while reading (see <see cref="ExamQuestionSet.Warnings"/>).</summary>
    public IReadOnlyList<string> DataWarnings { get; init; } = Array.Empty<string>();
    /// <summary>How the metrics were computed, for readers of the report.</summary>
    public IReadOnlyList<string> Notes { get; init; } = Array.Empty<string>();
}
