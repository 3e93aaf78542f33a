namespace MedTune.Scoring.Tests;

public class LetterScorerTests
{
    private static ExamQuestion Question(string id, double points, params string[] answer) =>
        new(id, "どれか。", new[] { "p", "q", "r", "s", "t" }, answer, points, true, 2020, "114-A", null, "114-A.jsonl", 1);

    [Theory]
    [InlineData("a,c", true)]
    [InlineData("c,a", true)]
    [InlineData("a, c", false)]
    [InlineData("A,C", false)]
    [InlineData("a,c,", false)]
    [InlineData("a", false)]
    [InlineData("", false)]
    public void Splits_on_comma_as_is_sorts_and_compares(string prediction, bool correct)
    {
        Assert.Equal(correct, LetterScorer.Score(Question("114A2", 1, "a", "c"), prediction, true).Correct);
    }

    [Theory]
    [InlineData("a, c")]
    [InlineData("A,C")]
    [InlineData("ａ、ｃ")]
    [InlineData(" c，a ")]
    public void Normalized_variant_trims_lowercases_and_folds_width(string prediction)
    {
        var score = LetterScorer.Score(Question("114A2", 1, "a", "c"), prediction, true);
        Assert.False(score.Correct);
        Assert.True(score.CorrectNormalized);
    }

    [Fact]
    public void Numeric_gold_is_compared_the_same_way()
    {
        var q = new ExamQuestion("112C66", "何か。", Array.Empty<string>(), new[] { "26" }, 1, true, 2018, "112-C", null, "112-C.jsonl", 1);
        Assert.True(LetterScorer.Score(q, "26", true).Correct);
        Assert.False(LetterScorer.Score(q, " 26", true).Correct);
        Assert.True(LetterScorer.Score(q, " 26", true).CorrectNormalized);
    }

    [Fact]
    public void Points_are_earned_only_when_correct()
    {
        var q = Question("114A3", 3, "b");
        Assert.Equal((3.0, 3.0), (LetterScorer.Score(q, "b", true).PointsEarned, LetterScorer.Score(q, "b", true).PointsPossible));
        Assert.Equal((0.0, 3.0), (LetterScorer.Score(q, "c", true).PointsEarned, LetterScorer.Score(q, "c", true).PointsPossible));
    }

    [Fact]
    [Trait("Category", "SharedData")]
    public void Official_exception_116A71_is_always_correct()
    {
        var q = TestData.IgakuQa.Single(q => q.ProblemId == "116A71");
        Assert.True(LetterScorer.Score(q, "", true).Correct);
        Assert.True(LetterScorer.Score(q, "b,c", true).Correct);
        Assert.False(LetterScorer.Score(q, "b,c", false).Correct);
    }

    [Theory]
    [InlineData("a", true)]
    [InlineData("d", true)]
    [InlineData("a or d", true)] // equals the file's gold list, as in the release's scorer
    [InlineData("a,d", false)]
    [InlineData("b", false)]
    [Trait("Category", "SharedData")]
    public void Official_exception_112B30_accepts_a_or_d(string prediction, bool correct)
    {
        var q = TestData.IgakuQa.Single(q => q.ProblemId == "112B30");
        Assert.Equal(correct, LetterScorer.Score(q, prediction, true).Correct);
    }

    [Fact]
    [Trait("Category", "SharedData")]
    public void Exceptions_concern_igakuqa_section_files_only()
    {
        Assert.True(LetterScorer.IsFromIgakuQaSectionFile(TestData.IgakuQa.Single(q => q.ProblemId == "116A71")));
        var denqa = ExamQuestionReader.Read(MedTune.Testing.SharedData.Require("denqa", "denqa.jsonl"));
        Assert.False(LetterScorer.IsFromIgakuQaSectionFile(denqa.Single(q => q.ProblemId == "116A71")));
    }
}
