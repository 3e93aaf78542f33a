using MedTune.Scoring;

namespace MedTune.Evaluation.Tests;

public class OptionShufflerTests
{
    private static IEnumerable<string> GoldTexts(ExamQuestion q) => q.Answer.Select(letter => q.Choices[ExamQuestion.IndexOf(letter)]);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(42)]
    public void Shuffling_remaps_answers_to_the_same_option_texts(int seed)
    {
        foreach (var question in new[] { Questions.Single, Questions.Double, Questions.Third })
        {
            var shuffled = OptionShuffler.Shuffle(question, seed);
            Assert.Equal(question.Choices.Order(), shuffled.Choices.Order());
            Assert.Equal(GoldTexts(question).Order(), GoldTexts(shuffled).Order());
        }
    }

    [Fact]
    public void Shuffling_is_deterministic_per_seed_and_changes_the_order_for_some_seed()
    {
        var question = Questions.Double;
        Assert.Equal(OptionShuffler.Shuffle(question, 5).Choices, OptionShuffler.Shuffle(question, 5).Choices);
        Assert.Contains(Enumerable.Range(0, 10), seed => !OptionShuffler.Shuffle(question, seed).Choices.SequenceEqual(question.Choices));
    }

    [Fact]
    public void Alternative_answers_are_remapped_part_by_part()
    {
        var question = Questions.Make("112B30", "どれか。", ["A", "B", "C", "D", "E"], "a or d");
        var shuffled = OptionShuffler.Shuffle(question, 9);
        var parts = shuffled.Answer[0].Split(" or ");
        Assert.Equal(["A", "D"], parts.Select(p => shuffled.Choices[ExamQuestion.IndexOf(p)]).Order());
    }
}
