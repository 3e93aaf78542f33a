using MedTune.Evaluation;
using MedTune.Scoring;
using MedTune.Scoring.Statistics;

namespace MedTune.Reporting;

/// <summary>
/// Two models (base vs tuned, or two experiments) on the same questions, per metric: McNemar's exact test for 0/1 metrics, a paired
/// bootstrap (CI and p) for the Gestalt score and exam points, as the metric spec asks.
/// </summary>
public static class PairedComparisons
{
    public static IReadOnlyList<PairedComparison> Compare(
        string firstLabel, IReadOnlyList<QuestionPrediction> first, MetricTable firstScores,
        string secondLabel, IReadOnlyList<QuestionPrediction> second, MetricTable secondScores,
        IEnumerable<string> metrics, int resamples, int seed)
    {
        var secondById = second.ToDictionary(p => p.ProblemId, StringComparer.Ordinal);
        if (first.Count != second.Count || first.Any(p => !secondById.ContainsKey(p.ProblemId)))
            throw new InvalidDataException(
                $"{firstLabel} and {secondLabel} were evaluated on different questions ({first.Count} vs {second.Count}); they can only be compared on the same filtered set.");
        var pairs = first.Select(p => (First: p, Second: secondById[p.ProblemId])).ToArray();

        var comparisons = new List<PairedComparison>();
        foreach (var metric in metrics)
        {
            var present = pairs.Where(p => p.First.Metrics.ContainsKey(metric) && p.Second.Metrics.ContainsKey(metric)).ToArray();
            if (present.Length == 0) continue;
            var a = present.Select(p => p.First.Metrics[metric]).ToArray();
            var b = present.Select(p => p.Second.Metrics[metric]).ToArray();
            if (!firstScores.TryGetValue(metric, out var firstSummary) || !secondScores.TryGetValue(metric, out var secondSummary)) continue;
            double firstMean = firstSummary.Mean, secondMean = secondSummary.Mean;
            var comparison = new PairedComparison
            {
                Metric = metric, Test = "", First = firstLabel, Second = secondLabel, N = present.Length,
                FirstMean = firstMean, SecondMean = secondMean, Difference = secondMean - firstMean, PValue = double.NaN,
            };

            var kind = MetricNames.KindOf(metric);
            if (kind == MetricKind.Binary)
            {
                var test = McNemar.Test(a.Select(v => v > 0.5).ToArray(), b.Select(v => v > 0.5).ToArray());
                comparisons.Add(comparison with
                {
                    Test = "mcnemar", PValue = test.PValue,
                    OnlyFirstCorrect = test.OnlyFirstCorrect, OnlySecondCorrect = test.OnlySecondCorrect,
                });
            }
            else if (resamples == 0)
            {
                // evaluate.bootstrap_resamples: 0 asks for no resampling: the difference without an interval or test.
                comparisons.Add(comparison with { Test = "none" });
            }
            else
            {
                ulong derived = ScoreComparison.PairedSeed(unchecked((ulong)(long)seed));
                var difference = PairedBootstrap.Compare(a, b, resamples, derived);
                // Exam points are a ratio of sums: per-question earned-point differences scale by n / total points.
                double scale = kind == MetricKind.RatioOfSums ? RatioScale(present.Select(p => p.First)) : 1;
                comparisons.Add(comparison with
                {
                    Test = "paired_bootstrap", PValue = difference.PValue,
                    CiLow = difference.Low * scale, CiHigh = difference.High * scale,
                });
            }
        }
        return comparisons;
    }

    private static double RatioScale(IEnumerable<QuestionPrediction> predictions)
    {
        var list = predictions.ToArray();
        double total = list.Sum(p => p.Points ?? 0);
        return total > 0 ? list.Length / total : 0;
    }
}
