namespace MedTune.Reporting.Tests;

public sealed class PairedComparisonsTests(ReportFixture fixture) : IClassFixture<ReportFixture>
{
    [Fact]
    public void Without_resamples_continuous_metrics_get_the_difference_but_no_interval_or_test()
    {
        var first = ModelEvaluation.Read("base", fixture.BaseDirectory);
        var second = ModelEvaluation.Read("tuned", fixture.TunedDirectory);
        var datasetFirst = first.Datasets.Values.Single();
        var datasetSecond = second.Datasets.Values.Single();
        var comparisons = PairedComparisons.Compare("base", datasetFirst.Predictions, datasetFirst.Scores.Summary,
            "tuned", datasetSecond.Predictions, datasetSecond.Scores.Summary, ["exact_match", "gestalt_score"], resamples: 0, seed: 42);

        var gestalt = comparisons.Single(c => c.Metric == "gestalt_score");
        Assert.Equal("none", gestalt.Test);
        Assert.Null(gestalt.CiLow);
        Assert.True(double.IsNaN(gestalt.PValue));
        Assert.Equal(gestalt.SecondMean - gestalt.FirstMean, gestalt.Difference);
        Assert.Equal("not tested (evaluate.bootstrap_resamples: 0)", ReportFormat.TestDescription(gestalt));
        // McNemar needs no resampling and still runs.
        Assert.Equal("mcnemar", comparisons.Single(c => c.Metric == "exact_match").Test);
    }
}
