using MedTune.Scoring.Statistics;

namespace MedTune.Scoring.Tests;

public class StatisticsTests
{
    [Fact]
    public void SplitMix64_matches_the_reference_sequence()
    {
        var random = new SplitMix64(0);
        Assert.Equal(0xE220A8397B1DCDAFUL, random.NextUInt64());
        Assert.Equal(0x6E789E6AA1B965F4UL, random.NextUInt64());
        Assert.Equal(0x06C45D188009454FUL, random.NextUInt64());
    }

    [Fact]
    public void NextBelow_is_lemires_method_so_resamples_are_reproducible_anywhere()
    {
        // Python reference: high 64 bits of next() * bound, redrawing while the low word < 2^64 mod bound.
        var random = new SplitMix64(0);
        Assert.Equal(new[] { 8, 863, 0, 0, 154, 0, 17, 3 }, new[] { 10, 2000, 7, 1, 1455, 3, 100, 5 }.Select(random.NextBelow));
    }

    [Fact]
    public void NextBelow_stays_in_range_and_covers_it()
    {
        var random = new SplitMix64(1);
        var counts = new int[7];
        for (int i = 0; i < 7000; i++) counts[random.NextBelow(7)]++;
        Assert.All(counts, c => Assert.InRange(c, 850, 1150));
    }

    [Theory]
    [InlineData(10, 2, 0.03857421875)]
    [InlineData(2, 10, 0.03857421875)]
    [InlineData(0, 6, 0.03125)]
    [InlineData(3, 4, 1.0)]
    [InlineData(0, 0, 1.0)]
    [InlineData(600, 700, 0.0060157938610449525)]
    [InlineData(1000, 1100, 0.030720707864242296)] // 0.5^2100 underflows a double: needs log space
    public void McNemar_exact_p_values(int b, int c, double expected)
    {
        Assert.Equal(expected, McNemar.ExactPValue(b, c), 1e-12);
    }

    [Fact]
    public void McNemar_counts_the_discordant_pairs()
    {
        var first = new[] { true, true, false, false, true };
        var second = new[] { true, false, true, false, false };
        var result = McNemar.Test(first, second);
        Assert.Equal((1, 2, 1, 1), (result.BothCorrect, result.OnlyFirstCorrect, result.OnlySecondCorrect, result.NeitherCorrect));
        Assert.Equal(McNemar.ExactPValue(2, 1), result.PValue);
        Assert.Throws<ArgumentException>(() => McNemar.Test(first, second[..4]));
    }

    [Fact]
    public void Bootstrap_is_deterministic_for_a_seed_and_depends_on_it()
    {
        var values = Enumerable.Range(0, 300).Select(i => (i * 37 % 11) / 10.0).ToArray();
        var a = Bootstrap.Mean(values, 1000, seed: 5);
        var b = Bootstrap.Mean(values, 1000, seed: 5);
        var c = Bootstrap.Mean(values, 1000, seed: 6);
        Assert.Equal(a, b);
        Assert.NotEqual(a.Low, c.Low);
        Assert.Equal(values.Average(), a.Value, 1e-15);
        Assert.True(a.Low < a.Value && a.Value < a.High);
    }

    [Fact]
    public void Bootstrap_interval_has_about_the_normal_width_for_a_proportion()
    {
        // p = 0.5, n = 400: standard error 0.025, so the 95% interval is about 0.5 +- 0.049.
        var values = Enumerable.Range(0, 400).Select(i => i % 2 == 0 ? 1.0 : 0.0).ToArray();
        var estimate = Bootstrap.Mean(values, 2000, seed: 1);
        Assert.Equal(0.5, estimate.Value);
        Assert.InRange(estimate.Low, 0.44, 0.46);
        Assert.InRange(estimate.High, 0.54, 0.56);
        Assert.Equal(400, estimate.N);
    }

    [Fact]
    public void Constant_values_have_a_degenerate_interval()
    {
        var estimate = Bootstrap.Mean(new[] { 0.25, 0.25, 0.25 });
        Assert.Equal(new Estimate(0.25, 0.25, 0.25, 3), estimate);
    }

    [Fact]
    public void Ratio_of_sums_keeps_pairs_together()
    {
        var estimate = Bootstrap.RatioOfSums(new[] { 3.0, 0, 1 }, new[] { 3.0, 1, 1 });
        Assert.Equal(0.8, estimate.Value);
        Assert.InRange(estimate.Low, 0, 0.8);
        Assert.Equal(1.0, estimate.High);
    }

    [Fact]
    public void Quantile_interpolates_linearly_like_numpy()
    {
        var sorted = new[] { 1.0, 2, 3, 4 };
        Assert.Equal(1.075, Bootstrap.Quantile(sorted, 0.025), 1e-12); // numpy.quantile([1,2,3,4], 0.025)
        Assert.Equal(3.925, Bootstrap.Quantile(sorted, 0.975), 1e-12);
        Assert.Equal(2.5, Bootstrap.Quantile(sorted, 0.5));
    }

    [Fact]
    public void Paired_bootstrap_of_identical_scores_shows_no_difference()
    {
        var scores = Enumerable.Range(0, 50).Select(i => i / 50.0).ToArray();
        var result = PairedBootstrap.Compare(scores, scores);
        Assert.Equal(new PairedDifference(0, 0, 0, 1, 50, 1000), result);
    }

    [Fact]
    public void Paired_bootstrap_detects_a_consistent_improvement()
    {
        var first = Enumerable.Range(0, 100).Select(i => (i % 10) / 10.0).ToArray();
        var second = first.Select((v, i) => v + (i % 3 == 0 ? 0.2 : 0.05)).ToArray();
        var result = PairedBootstrap.Compare(first, second, 1000, seed: 3);
        Assert.Equal(second.Average() - first.Average(), result.MeanDifference, 1e-12);
        Assert.True(result.Low > 0);
        Assert.Equal(2.0 / 1001, result.PValue, 1e-15);
        Assert.Equal(result, PairedBootstrap.Compare(first, second, 1000, seed: 3));
    }

    [Fact]
    public void Paired_bootstrap_p_value_is_large_for_noise()
    {
        var first = Enumerable.Range(0, 200).Select(i => (i * 7 % 13) / 13.0).ToArray();
        var second = Enumerable.Range(0, 200).Select(i => (i * 5 % 13) / 13.0).ToArray();
        var result = PairedBootstrap.Compare(first, second, 1000, seed: 9);
        Assert.True(result.PValue > 0.2, $"p = {result.PValue}");
        Assert.True(result.Low < 0 && result.High > 0);
    }
}
