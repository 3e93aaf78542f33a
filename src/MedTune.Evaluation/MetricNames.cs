using MedTune.Scoring;

namespace MedTune.Evaluation;

/// <summary>
/// Metric columns of predictions, scores and reports: the scoring library's (accuracy, exact_match,
/// gestalt_score, their *_normalized variants, letter_accuracy, exam_points) plus <c>loglik_accuracy</c>.
/// </summary>
public static class MetricNames
{
    public const string LoglikAccuracy = "loglik_accuracy";

    /// <summary>Names accepted in <c>evaluate.metrics</c>; accuracy/exact_match/gestalt select free-text scoring, letter the IgakuQA letter scorer.</summary>
    public static IReadOnlyList<string> Selectable { get; } = ["accuracy", "exact_match", "gestalt", "letter", "loglik"];

    /// <summary>Report order: the paper's three first.</summary>
    public static IReadOnlyList<string> ReportOrder { get; } =
        ScoreMetrics.Response.Select(m => m.Name).Append(LoglikAccuracy).Concat(ScoreMetrics.Letter.Select(m => m.Name)).ToArray();

    /// <summary>The metric columns a report holds for the <c>evaluate.metrics</c> selection, in report order.</summary>
    public static IReadOnlyList<string> Reported(IEnumerable<string> selected)
    {
        var chosen = selected.ToHashSet(StringComparer.Ordinal);
        var names = new List<string>();
        if (chosen.Overlaps(["accuracy", "exact_match", "gestalt"])) names.AddRange(ScoreMetrics.Response.Select(m => m.Name));
        if (chosen.Contains("loglik")) names.Add(LoglikAccuracy);
        if (chosen.Contains("letter")) names.AddRange(ScoreMetrics.Letter.Select(m => m.Name));
        return names;
    }

    /// <summary>The <c>evaluate.metrics</c> entry that produces a report column (<c>gestalt_score</c> → <c>gestalt</c>).</summary>
    public static string SelectorOf(string metric) =>
        ScoreMetrics.Letter.Any(m => m.Name == metric) ? "letter" : metric == LoglikAccuracy ? "loglik"
        : metric.StartsWith("gestalt", StringComparison.Ordinal) ? "gestalt" : metric.StartsWith("exact_match", StringComparison.Ordinal) ? "exact_match" : "accuracy";

    /// <summary>How a metric is aggregated and compared (unknown names count as continuous, compared by paired bootstrap).</summary>
    public static MetricKind KindOf(string metric) =>
        ScoreMetrics.Response.Concat(ScoreMetrics.Letter).FirstOrDefault(m => m.Name == metric)?.Kind
        ?? (metric == LoglikAccuracy ? MetricKind.Binary : MetricKind.Continuous);
}
