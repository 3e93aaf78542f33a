namespace MedTune.Manifest.Tests;

public sealed class DidYouMeanTests
{
    private static readonly string[] TrainKeys = ["epochs", "max_steps", "learning_rate", "scheduler", "batch_size", "max_seq_length"];

    [Theory]
    [InlineData("lerning_rate", "learning_rate")]
    [InlineData("learning-rate", "learning_rate")]
    [InlineData("epoch", "epochs")]
    [InlineData("bacth_size", "batch_size")]
    [InlineData("max_seq", "max_seq_length")]
    [InlineData("sheduler", "scheduler")]
    public void Suggests_the_intended_key(string typo, string expected) =>
        Assert.Equal(expected, DidYouMean.Suggest(typo, TrainKeys));

    [Theory]
    [InlineData("optimizer")]
    [InlineData("lr")]
    public void Suggests_nothing_for_unrelated_words(string word) =>
        Assert.Null(DidYouMean.Suggest(word, TrainKeys));

    [Theory]
    [InlineData("", "", 0)]
    [InlineData("abc", "", 3)]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("ab", "ba", 1)]
    public void Distance_counts_edits(string a, string b, int expected) => Assert.Equal(expected, DidYouMean.Distance(a, b));
}
