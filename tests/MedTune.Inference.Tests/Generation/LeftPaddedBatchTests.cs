namespace MedTune.Inference.Tests.Generation;

public sealed class LeftPaddedBatchTests
{
    [Fact]
    public void PadsOnTheLeftAndCountsPositionsOverRealTokensOnly()
    {
        var batch = new LeftPaddedBatch([[11, 12, 13], [21]], padId: 7);
        Assert.Equal([11, 12, 13, 7, 7, 21], batch.Tokens);
        Assert.Equal([1, 1, 1, 0, 0, 1], batch.AttentionMask);
        Assert.Equal([0, 1, 2, 0, 0, 0], batch.PositionIds);
        Assert.Equal([0, 2], batch.Offsets);
    }

    [Fact]
    public void EmptyRowIsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => new LeftPaddedBatch([[1], []], padId: 0));
        Assert.Contains("row 1", e.Message);
    }
}
