namespace MedTune.Scoring.Tests;

public class WidthNormalizerTests
{
    [Theory]
    [InlineData("ＡＢｃ１２３", "ABc123")]
    [InlineData("a、b，c", "a,b,c")]
    [InlineData("ｶﾞｲﾄﾞ", "ガイド")]
    [InlineData("ﾊﾟﾋﾟﾌﾟ", "パピプ")]
    [InlineData("ｳﾞ", "ヴ")]
    [InlineData("ｯﾞ", "ッ\u3099")] // small tsu has no voiced form: the mark stays separate (NFKC's result)
    [InlineData("\u3000x", " x")]
    [InlineData("漢字はそのまま", "漢字はそのまま")]
    public void Folds_width_like_nfkc(string input, string expected)
    {
        Assert.Equal(expected, WidthNormalizer.Normalize(input));
    }

    [Fact]
    public void Letter_normalization_trims_and_lowercases()
    {
        Assert.Equal("a", WidthNormalizer.NormalizeLetters(" Ａ\u3000"));
    }
}
