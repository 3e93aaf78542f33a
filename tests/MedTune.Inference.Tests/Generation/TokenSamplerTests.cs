namespace MedTune.Inference.Tests.Generation;

public sealed class TokenSamplerTests
{
    [Theory]
    [InlineData(0.5, new[] { 0 })]
    [InlineData(0.7, new[] { 0, 1 })]
    [InlineData(0.8, new[] { 0, 1 })]
    [InlineData(0.81, new[] { 0, 1, 2 })]
    [InlineData(1.0, new[] { 0, 1, 2, 3 })]
    public void NucleusKeepsTheMostProbableTokensUntilTopPIsReached(double topP, int[] expected)
    {
        double[] weights = [0.5, 0.3, 0.15, 0.05];
        Assert.Equal(expected, TokenSampler.NucleusOrder(weights, 1.0, topP));
    }

    [Fact]
    public void TopPNeverSamplesOutsideTheNucleus()
    {
        // Probabilities 0.5, 0.3, 0.15, 0.05 as logits; top-p 0.8 keeps tokens 0 and 1 only.
        float[] logits = [MathF.Log(0.5f), MathF.Log(0.3f), MathF.Log(0.15f), MathF.Log(0.05f)];
        var random = new SeededRandom(42);
        var counts = new int[4];
        for (var i = 0; i < 4000; i++) counts[TokenSampler.Sample(logits, 4, 1.0, 0.8, random)]++;
        Assert.Equal(0, counts[2] + counts[3]);
        Assert.InRange(counts[0] / 4000.0, 0.575, 0.675); // renormalised 0.5 / 0.8 = 0.625
    }

    [Fact]
    public void LowTemperatureApproachesGreedy()
    {
        float[] logits = [1.0f, 1.2f, 0.9f];
        var random = new SeededRandom(1);
        Assert.All(Enumerable.Range(0, 100), _ => Assert.Equal(1, TokenSampler.Sample(logits, 3, 0.01, 1.0, random)));
        Assert.Equal(1, TokenSampler.Greedy(logits, 3));
        Assert.Equal(0, TokenSampler.Greedy(logits, 1)); // only the first candidate may be chosen
    }

    [Fact]
    public void SeededRandomIsFixedBySeed()
    {
        var a = new SeededRandom(123);
        var b = new SeededRandom(123);
        Assert.Equal(Enumerable.Range(0, 5).Select(_ => a.NextUInt64()), Enumerable.Range(0, 5).Select(_ => b.NextUInt64()));
        // SplitMix64's published first output for seed 0.
        Assert.Equal(0xE220A8397B1DCDAFUL, new SeededRandom(0).NextUInt64());
        Assert.All(Enumerable.Range(0, 1000), _ => Assert.InRange(a.NextDouble(), 0.0, 0.9999999999999999));
    }
}
