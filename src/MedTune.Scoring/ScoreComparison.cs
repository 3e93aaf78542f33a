using MedTune.Scoring.Statistics;

namespace MedTune.Scoring;

/// <summary>One metric of two systems on the same questions (e.g. base vs tuned).</summary>
/// <param name="McNemar">Set for 0/1 metrics.</param>
/// <param name="PairedBootstrap">Set for continuous metrics (Gestalt score) and exam points (points earned per question).</param>
public sealed record MetricComparison(string Metric, MetricKind Kind, double FirstMean, double SecondMean,
    McNemarResult? McNemar, PairedDifference? PairedBootstrap);

/// <summary>Paired comparison of two scorings of the same questions.</summary>
public static class ScoreComparison
{
    public static IReadOnlyList<MetricComparison> Compare(ScoreResult first, ScoreResult second, ScoreOptions? options = null)
    {
        options ??= new ScoreOptions();
        if (first.Kind != second.Kind) throw new ArgumentException($"cannot compare {first.Kind} scoring with {second.Kind} scoring");
        var secondById = second.Items.ToDictionary(i => i.Question.ProblemId, StringComparer.Ordinal);
        var firstItems = first.Items.Where(i => secondById.ContainsKey(i.Question.ProblemId)).ToList();
        if (firstItems.Count != first.Items.Count || firstItems.Count != second.Items.Count)
            throw new ArgumentException(
                $"the two scorings cover different questions ({first.Items.Count} vs {second.Items.Count}, {firstItems.Count} shared); compare on the same question set.");
        var secondItems = firstItems.Select(i => secondById[i.Question.ProblemId]).ToList();

        var comparisons = new List<MetricComparison>();
        var reported = ScoreMetrics.For(first.Kind)
            .Where(m => first.Report.Summary.ContainsKey(m.Name) && second.Report.Summary.ContainsKey(m.Name));
        ulong seed = PairedSeed(options.BootstrapSeed);
        foreach (var metric in reported)
        {
            var a = firstItems.Select(metric.Value).ToArray();
            var b = secondItems.Select(metric.Value).ToArray();
            double meanA = Mean(first, metric), meanB = Mean(second, metric);
            comparisons.Add(metric.Kind == MetricKind.Binary
                ? new MetricComparison(metric.Name, metric.Kind, meanA, meanB,
                    McNemar.Test(a.Select(v => v != 0).ToArray(), b.Select(v => v != 0).ToArray()), null)
                : new MetricComparison(metric.Name, metric.Kind, meanA, meanB, null,
                    options.BootstrapResamples == 0 ? null : PairedBootstrap.Compare(a, b, options.BootstrapResamples, seed, options.ConfidenceLevel)));
        }
        return comparisons;
    }

    /// <summary>
    /// The seed of the paired bootstrap's resamples, one set for every metric of a question set: metrics with the
    /// same per-question differences get the same interval and p-value.
    /// </summary>
    public static ulong PairedSeed(ulong seed) => SplitMix64.DeriveSeed(seed, "paired");

    private static double Mean(ScoreResult result, MetricDefinition metric) => result.Report.Summary[metric.Name].Mean;
}
