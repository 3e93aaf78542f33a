using MedTune.Testing;
using static MedTune.Cli.Tests.TestExperiments;

namespace MedTune.Cli.Tests;

/// <summary>Issue 14 items 7 and 9: score's errors say what the user wrote, and filters do not make questions "unknown".</summary>
public sealed class ScoreErrorTests
{
    [Fact]
    public async Task A_non_numeric_choices_names_the_option_and_what_it_takes()
    {
        // medtune score --questions exam.jsonl --predictions exam.jsonl --choices five
        var result = await CliRunner.RunAsync("score", "--questions", QuickstartExam, "--predictions", QuickstartExam, "--choices", "five");
        AssertBadInput(result, "--choices: 'five' is not a whole number");
    }

    [Fact]
    public async Task Filters_that_leave_no_questions_say_so_without_parameter_names()
    {
        // medtune score --questions exam.jsonl --predictions exam.jsonl --years 2030
        var result = await CliRunner.RunAsync("score", "--questions", QuickstartExam, "--predictions", QuickstartExam, "--years", "2030");
        AssertBadInput(result, "no questions left after the filters (years 2030: 0 of 40 questions)", "--years");
    }

    [Fact]
    public async Task Strict_ids_with_filters_does_not_call_filtered_out_questions_unknown()
    {
        // medtune score --questions q.jsonl --predictions p.jsonl --choices 5 --strict-ids   (one 4-choice question filtered out)
        using var dir = new TempDirectory();
        File.WriteAllLines(dir.File("q.jsonl"), [Question("X1"), Question("X2"), Question("X3", choices: 4)]);
        File.WriteAllLines(dir.File("p.jsonl"), new[] { "X1", "X2", "X3" }.Select(id => $$"""{"problem_id": "{{id}}", "prediction": "a"}"""));

        var filtered = await CliRunner.RunAsync("score", "--questions", dir.File("q.jsonl"), "--predictions", dir.File("p.jsonl"), "--choices", "5", "--strict-ids");
        Assert.True(filtered.ExitCode == 0, filtered.Output);
        Assert.DoesNotContain("unknown problem ids", filtered.Output);
        Assert.Contains("1 prediction(s) for questions the filters leave out (ignored)", filtered.Output);

        // An id that is in no question file still fails strict mode.
        File.AppendAllLines(dir.File("p.jsonl"), ["""{"problem_id": "NOPE", "prediction": "a"}"""]);
        var unknown = await CliRunner.RunAsync("score", "--questions", dir.File("q.jsonl"), "--predictions", dir.File("p.jsonl"), "--choices", "5", "--strict-ids");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("1 prediction(s) for unknown problem ids (ignored): NOPE", unknown.Output);
    }
}
