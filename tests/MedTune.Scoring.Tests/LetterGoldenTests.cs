using System.Text.Json;
using MedTune.Manifest;
using MedTune.Scoring.Predictions;

namespace MedTune.Scoring.Tests;

/// <summary>
/// Letter scoring reproduces the IgakuQA release's rules as re-implemented independently in
/// Fixtures/generate_letter_golden.py, on seeded random predictions for all 2000 questions.
/// </summary>
[Trait("Category", "SharedData")]
public class LetterGoldenTests
{
    private static readonly JsonElement Golden = JsonDocument.Parse(File.ReadAllText(TestData.Fixture("letter_golden.json"))).RootElement;

    [Fact]
    public void All_igakuqa_questions_score_like_the_python_reference()
    {
        var questions = ExamQuestionReader.Read(TestData.IgakuQaDirectory);
        AssertMatches(Golden.GetProperty("all"), questions);
    }

    [Fact]
    public void Text_only_five_choice_subset_scores_like_the_python_reference()
    {
        var questions = ExamQuestionReader.Read(TestData.IgakuQaDirectory, new DatasetFilters { TextOnly = true, Choices = 5 });
        AssertMatches(Golden.GetProperty("text_only_5_choices"), questions);
    }

    private static void AssertMatches(JsonElement expected, ExamQuestionSet questions)
    {
        var predictions = PredictionReader.Read(TestData.Fixture("letter_predictions.jsonl"));
        var result = ExamScorer.Score(questions, predictions);

        Assert.Equal(PredictionKind.Letter, result.Kind);
        Assert.Equal(expected.GetProperty("count").GetInt32(), result.Items.Count);
        Assert.Equal(Ids(expected.GetProperty("correct_ids")), result.Items.Where(i => i.Letter!.Correct).Select(i => i.Question.ProblemId).ToArray());
        Assert.Equal(Ids(expected.GetProperty("correct_normalized_ids")),
            result.Items.Where(i => i.Letter!.CorrectNormalized).Select(i => i.Question.ProblemId).ToArray());
        Assert.Equal(double.Parse(expected.GetProperty("accuracy").GetString()!, System.Globalization.CultureInfo.InvariantCulture),
            result.Report.Summary["letter_accuracy"].Mean);
        Assert.Equal(expected.GetProperty("score").GetInt32(), result.Report.ExamPoints!.Earned);
        Assert.Equal(expected.GetProperty("total").GetInt32(), result.Report.ExamPoints!.Total);
    }

    private static string[] Ids(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToArray();
}
