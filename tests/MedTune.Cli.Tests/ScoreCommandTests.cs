using System.Text.Json.Nodes;
using MedTune.Testing;

namespace MedTune.Cli.Tests;

public sealed class ScoreCommandTests
{
    private static string QuickstartExam => Path.Combine(SharedData.RepoRoot, "experiments", "quickstart", "exam.jsonl");

    [Fact]
    public async Task Letter_predictions_are_scored_and_written_per_item_and_as_json()
    {
        using var dir = new TempDirectory();
        var questions = File.ReadAllLines(QuickstartExam).Select(l => JsonNode.Parse(l)!).ToList();
        // Every gold answer right except the first question's.
        var lines = questions.Select((q, i) => new JsonObject
        {
            ["problem_id"] = (string)q["problem_id"]!,
            ["prediction"] = i == 0 ? "z" : string.Join(",", q["answer"]!.AsArray().Select(a => (string)a!)),
        }.ToJsonString());
        File.WriteAllLines(dir.File("pred.jsonl"), lines);

        var result = await CliRunner.RunAsync("score", "--questions", QuickstartExam, "--predictions", dir.File("pred.jsonl"),
            "--per-item", dir.File("items.jsonl"), "--json", dir.File("summary.json"));

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal(questions.Count, File.ReadAllLines(dir.File("items.jsonl")).Length);
        var summary = JsonNode.Parse(File.ReadAllText(dir.File("summary.json")))!;
        var expected = (questions.Count - 1) / (double)questions.Count;
        Assert.Equal(expected, (double)summary["summary"]!["letter_accuracy"]!["mean"]!, 12);
    }

    [Fact]
    public async Task Unknown_and_missing_ids_are_reported_and_strict_mode_fails()
    {
        using var dir = new TempDirectory();
        File.WriteAllLines(dir.File("pred.jsonl"), ["{\"problem_id\": \"QS001\", \"response\": \"膵β細胞\"}", "{\"problem_id\": \"NOPE\", \"response\": \"x\"}"]);

        var lenient = await CliRunner.RunAsync("score", "--questions", QuickstartExam, "--predictions", dir.File("pred.jsonl"));
        Assert.Equal(0, lenient.ExitCode);
        Assert.Contains("NOPE", lenient.Output);
        Assert.Contains("without a prediction", lenient.Output);

        var strict = await CliRunner.RunAsync("score", "--questions", QuickstartExam, "--predictions", dir.File("pred.jsonl"), "--strict-ids");
        Assert.Equal(2, strict.ExitCode);
    }
}
