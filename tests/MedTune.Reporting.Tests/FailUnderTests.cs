namespace MedTune.Reporting.Tests;

public sealed class FailUnderTests(ReportFixture fixture) : IClassFixture<ReportFixture>
{
    private readonly ReportFixture _fixture = fixture;

    [Theory]
    [InlineData("tuned.exact_match=0.2", "tuned", "exact_match", 0.2)]
    [InlineData("exact_match=0.2", "tuned", "exact_match", 0.2)]
    [InlineData(" base.gestalt_score = 0.35 ", "base", "gestalt_score", 0.35)]
    [InlineData("loglik_accuracy=1e-1", "tuned", "loglik_accuracy", 0.1)]
    public void Parses_rules(string text, string model, string metric, double threshold) =>
        Assert.Equal(new FailUnderRule(model, metric, threshold), FailUnderRule.Parse(text));

    [Theory]
    [InlineData("exact_match")]
    [InlineData("exact_match=")]
    [InlineData("exact_match=0,2")]
    [InlineData("=0.2")]
    [InlineData("tuned.=0.2")]
    public void Rejects_malformed_rules_with_an_example(string text)
    {
        var error = Assert.Throws<FormatException>(() => FailUnderRule.Parse(text));
        Assert.Contains(text.Trim().Length == 0 ? "" : "--fail-under", error.Message);
    }

    [Fact]
    public void Passes_when_every_dataset_reaches_the_threshold()
    {
        var report = _fixture.Report(); // tuned exact_match 0.70, base 0.30
        Assert.Empty(FailUnder.Check(report, [FailUnderRule.Parse("exact_match=0.7"), FailUnderRule.Parse("base.exact_match=0.3")]));
    }

    [Fact]
    public void Fails_below_the_threshold_and_says_by_how_much()
    {
        var violations = FailUnder.Check(_fixture.Report(), [FailUnderRule.Parse("tuned.exact_match=0.75")]);
        var violation = Assert.Single(violations);
        Assert.Equal(0.7, violation.Actual!.Value, 12);
        Assert.Equal("mini: tuned.exact_match = 0.700 < 0.75", violation.ToString());
    }

    [Fact]
    public void Unknown_metric_or_model_is_a_violation_not_a_pass()
    {
        var violations = FailUnder.Check(_fixture.Report(), [FailUnderRule.Parse("bleu=0.1"), FailUnderRule.Parse("large.accuracy=0.1")]);
        Assert.Equal(2, violations.Count);
        Assert.All(violations, v => Assert.Null(v.Actual));
        Assert.Contains("not in the report", violations[0].ToString());
    }
}
