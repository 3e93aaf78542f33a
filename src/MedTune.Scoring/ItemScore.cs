using MedTune.Scoring.Predictions;

namespace MedTune.Scoring;

/// <summary>The scores of one question. Exactly one of <see cref="Response"/> and <see cref="Letter"/> is set.</summary>
/// <param name="Prediction">The prediction text as given; null when the question had no prediction.</param>
public sealed record ItemScore(ExamQuestion Question, string? Prediction, ResponseScore? Response, LetterScore? Letter)
{
    public bool PredictionMissing => Prediction is null;
}

/// <summary>How a metric's per-question values are aggregated and compared between two systems.</summary>
public enum MetricKind
{
    /// <summary>0/1 per question; mean with bootstrap CI; compared with McNemar's exact test.</summary>
    Binary,
    /// <summary>A score in [0, 1] per question; mean with bootstrap CI; compared with a paired bootstrap.</summary>
    Continuous,
    /// <summary>Sum of numerators over sum of denominators (exam points); bootstrap CI; compared with a paired bootstrap of the points earned.</summary>
    RatioOfSums,
}

/// <summary>One reported metric: its name in reports, kind, and per-question value (numerator / denominator).</summary>
public sealed record MetricDefinition(string Name, MetricKind Kind, Func<ItemScore, double> Value, Func<ItemScore, double>? Denominator = null);

/// <summary>The metrics reported for each prediction kind, in report order.</summary>
public static class ScoreMetrics
{
    public static IReadOnlyList<MetricDefinition> For(PredictionKind kind) => kind == PredictionKind.Response ? Response : Letter;

    public static readonly IReadOnlyList<MetricDefinition> Response = new[]
    {
        new MetricDefinition("accuracy", MetricKind.Binary, s => Bit(s.Response!.Accuracy)),
        new MetricDefinition("exact_match", MetricKind.Binary, s => Bit(s.Response!.ExactMatch)),
        new MetricDefinition("gestalt_score", MetricKind.Continuous, s => s.Response!.GestaltScore),
        new MetricDefinition("accuracy_normalized", MetricKind.Binary, s => Bit(s.Response!.AccuracyNormalized)),
        new MetricDefinition("exact_match_normalized", MetricKind.Binary, s => Bit(s.Response!.ExactMatchNormalized)),
        new MetricDefinition("gestalt_score_normalized", MetricKind.Continuous, s => s.Response!.GestaltScoreNormalized),
    };

    public static readonly IReadOnlyList<MetricDefinition> Letter = new[]
    {
        new MetricDefinition("letter_accuracy", MetricKind.Binary, s => Bit(s.Letter!.Correct)),
        new MetricDefinition("letter_accuracy_normalized", MetricKind.Binary, s => Bit(s.Letter!.CorrectNormalized)),
        new MetricDefinition("exam_points", MetricKind.RatioOfSums, s => s.Letter!.PointsEarned, s => s.Letter!.PointsPossible),
    };

    private static double Bit(bool value) => value ? 1 : 0;
}
