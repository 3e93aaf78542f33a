namespace MedTune.Scoring.Tests;

public class ResponseScorerTests
{
    private static ExamQuestion Question(string[] choices, params string[] answer) =>
        new("100A60", "可能性が高いのはどれか。2つ選べ。", choices, answer, 1, true, null, null, null, "test.jsonl", 1);

    private static readonly string[] Gases = { "酸素欠乏症", "硫化水素中毒", "一酸化炭素中毒", "二酸化炭素中毒", "二酸化窒素中毒" };

    [Fact]
    public void Gold_string_is_the_gold_options_in_letter_order_joined_by_comma()
    {
        Assert.Equal("酸素欠乏症,硫化水素中毒", ResponseScorer.GoldString(Question(Gases, "b", "a"), new[] { "b", "a" }));
        var numeric = new ExamQuestion("112C66", "何か。", Array.Empty<string>(), new[] { "26" }, 1, true, null, null, null, "t", 1);
        Assert.Equal("26", ResponseScorer.GoldString(numeric, numeric.Answer));
    }

    [Fact]
    public void Exact_match_compares_cleaned_strings_only()
    {
        var q = Question(Gases, "a", "b");
        Assert.True(ResponseScorer.Score(q, "酸素欠乏症,硫化水素中毒.").ExactMatch);
        Assert.False(ResponseScorer.Score(q, "酸素欠乏症、硫化水素中毒").ExactMatch);
        Assert.False(ResponseScorer.Score(q, "酸素欠乏症, 硫化水素中毒").ExactMatch);
        Assert.True(ResponseScorer.Score(q, "酸素欠乏症、硫化水素中毒").ExactMatchNormalized);
    }

    [Fact]
    public void Gestalt_score_is_the_mean_of_both_orders()
    {
        var q = Question(new[] { "tide", "x" }, "a");
        var score = ResponseScorer.Score(q, "diet");
        Assert.Equal((GestaltSimilarity.Ratio("diet", "tide") + GestaltSimilarity.Ratio("tide", "diet")) / 2, score.GestaltScore);
        Assert.Equal(0.375, score.GestaltScore);
    }

    [Fact]
    public void Accuracy_takes_k_from_the_gold_answer()
    {
        var q = Question(Gases, "a", "b");
        // The response names one option only, but k = 2 picks a second option anyway.
        var score = ResponseScorer.Score(q, "酸素欠乏症");
        Assert.Equal(2, score.Picked.Split(',').Length);
        Assert.StartsWith("a", score.Picked);
    }

    [Fact]
    public void Accuracy_ties_go_to_the_earlier_option()
    {
        // Both options are equally far from the response: the earlier one is picked.
        var q = Question(new[] { "xy", "yx", "zz" }, "b");
        var score = ResponseScorer.Score(q, "x");
        Assert.Equal("a", score.Picked);
        Assert.False(score.Accuracy);
        Assert.Equal(new[] { 0 }, ResponseScorer.PickOptions(new[] { "ab", "ab" }, "ab", 1));
    }

    [Fact]
    public void Accuracy_scores_raw_options_against_the_cleaned_response()
    {
        // The option keeps its '.', the response loses it; "1.5" vs "15" is then not an exact tie.
        var picked = ResponseScorer.PickOptions(new[] { "15", "1.5" }, ResponseExtractor.Clean("1.5"), 1);
        Assert.Equal(new[] { 0 }, picked);
    }

    [Fact]
    public void Numeric_answers_use_exact_match_for_accuracy()
    {
        var q = new ExamQuestion("112F84", "何か。", Array.Empty<string>(), new[] { "1.2" }, 1, true, null, null, null, "t", 1);
        var right = ResponseScorer.Score(q, "1.2");
        Assert.True(right.ExactMatch);
        Assert.True(right.Accuracy);
        Assert.Equal("", right.Picked);
        Assert.False(ResponseScorer.Score(q, "1.3").Accuracy);
    }

    [Fact]
    [Trait("Category", "SharedData")]
    public void Alternatives_in_the_answer_accept_either_option()
    {
        var q = TestData.IgakuQa.Single(q => q.ProblemId == "112B30");
        Assert.True(ResponseScorer.Score(q, q.Choices[3]).Accuracy);
        Assert.True(ResponseScorer.Score(q, q.Choices[0]).ExactMatch);
        Assert.False(ResponseScorer.Score(q, q.Choices[1]).Accuracy);
    }

    [Fact]
    public void Normalized_variant_folds_full_width()
    {
        var q = Question(new[] { "CK", "PT", "ALP" }, "a");
        var score = ResponseScorer.Score(q, "ＣＫ");
        Assert.False(score.ExactMatch);
        Assert.True(score.ExactMatchNormalized);
        Assert.Equal(1.0, score.GestaltScoreNormalized);
        Assert.True(score.AccuracyNormalized);
    }
}
