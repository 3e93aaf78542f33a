using MedTune.Scoring.Predictions;
using MedTune.Testing;

namespace MedTune.Scoring.Tests;

public class PredictionTests
{
    [Fact]
    public void Reads_letter_and_response_files()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("letters.jsonl"), "{\"problem_id\": \"q1\", \"prediction\": \"a,c\", \"explanation\": \"…\"}\n\n{\"problem_id\": \"q2\", \"prediction\": \"b\"}\n");
        var letters = PredictionReader.Read(dir.File("letters.jsonl"));
        Assert.Equal(PredictionKind.Letter, letters.Kind);
        Assert.Equal(new[] { new Prediction("q1", "a,c", 1), new Prediction("q2", "b", 3) }, letters.Records);

        File.WriteAllText(dir.File("responses.jsonl"), "{\"problem_id\": \"q1\", \"response\": \"酸素欠乏症\"}\n");
        Assert.Equal(PredictionKind.Response, PredictionReader.Read(dir.File("responses.jsonl")).Kind);
    }

    [Theory]
    [InlineData("{\"problem_id\": \"q1\", \"prediction\": \"a\"}\n{\"problem_id\": \"q2\", \"response\": \"x\"}", ":2:", "one kind of prediction")]
    [InlineData("{\"prediction\": \"a\"}", ":1:", "\"problem_id\"")]
    [InlineData("{\"problem_id\": \"q1\", \"prediction\": \"a\", \"response\": \"x\"}", ":1:", "exactly one of")]
    [InlineData("{\"problem_id\": \"q1\"}", ":1:", "exactly one of")]
    [InlineData("{\"problem_id\": \"q1\", \"prediction\": 3}", ":1:", "must be a string")]
    [InlineData("[1]", ":1:", "JSON object")]
    [InlineData("{\"problem_id\": ", ":1:", "not valid JSON")]
    [InlineData("\n\n", "", "no predictions")]
    public void Bad_prediction_files_are_explained(string content, string location, string expected)
    {
        using var dir = new TempDirectory();
        string file = dir.File("p.jsonl");
        File.WriteAllText(file, content);
        var e = Assert.Throws<ExamDataException>(() => PredictionReader.Read(file));
        Assert.Contains(file + location, e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Missing_prediction_file_is_explained()
    {
        Assert.Contains("not found", Assert.Throws<ExamDataException>(() => PredictionReader.Read("/nonexistent/p.jsonl")).Message);
    }

    [Fact]
    public void Mismatch_lists_unknown_missing_and_duplicate_ids()
    {
        var questions = new[] { "q1", "q2", "q3" }.Select(Question).ToArray();
        var predictions = new PredictionSet(PredictionKind.Letter, new[]
        {
            new Prediction("q1", "a"), new Prediction("zz", "a"), new Prediction("q1", "b"), new Prediction("q3", "a"),
        });
        var mismatch = PredictionMismatch.Between(questions, predictions);
        Assert.Equal(new[] { "zz" }, mismatch.UnknownIds);
        Assert.Equal(new[] { "q2" }, mismatch.MissingIds);
        Assert.Equal(new[] { "q1" }, mismatch.DuplicateIds);
        Assert.False(mismatch.IsEmpty);
        string text = mismatch.Describe();
        Assert.Contains("1 prediction(s) for unknown problem ids (ignored): zz", text);
        Assert.Contains("1 question(s) without a prediction (scored as wrong): q2", text);
        Assert.Contains("1 problem id(s) predicted more than once (first one used): q1", text);
    }

    [Fact]
    public void Matching_predictions_have_no_mismatch()
    {
        var questions = new[] { Question("q1") };
        var mismatch = PredictionMismatch.Between(questions, new PredictionSet(PredictionKind.Letter, new[] { new Prediction("q1", "a") }));
        Assert.True(mismatch.IsEmpty);
        Assert.Equal("", mismatch.Describe());
    }

    [Fact]
    public void Long_id_lists_are_shortened_in_the_description()
    {
        var mismatch = new PredictionMismatch(Array.Empty<string>(), Enumerable.Range(0, 25).Select(i => $"q{i}").ToArray(), Array.Empty<string>());
        Assert.EndsWith("q9, … (15 more)", mismatch.Describe());
    }

    internal static ExamQuestion Question(string id) =>
        new(id, "どれか。", new[] { "甲", "乙", "丙" }, new[] { "a" }, 1, true, 2018, "112-A", "内科", "112-A.jsonl", 1);
}
