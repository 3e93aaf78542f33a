using MedTune.Testing;
using static MedTune.Cli.Tests.TestExperiments;

namespace MedTune.Cli.Tests;

/// <summary>Issue 14 item 3: <c>--fail-under</c> gates are parsed and checked against the manifest before anything runs.</summary>
public sealed class FailUnderTests
{
    [Theory]
    // medtune run quickstart.yaml --fail-under tuned.accuracy=abc
    [InlineData("tuned.accuracy=abc", "'abc' is not a number")]
    // medtune run quickstart.yaml --fail-under tuned.acuracy=0.3
    [InlineData("tuned.acuracy=0.3", "unknown metric 'acuracy'", "Did you mean 'tuned.accuracy'?")]
    // medtune run quickstart.yaml --fail-under tuned.letter_accuracy=0.3  (the quickstart does not score letters)
    [InlineData("tuned.letter_accuracy=0.3", "add 'letter' to evaluate.metrics")]
    // medtune run quickstart.yaml --fail-under tunde.accuracy=0.3
    [InlineData("tunde.accuracy=0.3", "does not evaluate the model 'tunde'", "did you mean 'tuned.accuracy'?")]
    [InlineData("accuracy", "is not MODEL.METRIC=VALUE")]
    public async Task A_bad_gate_exits_2_before_any_stage_runs(string gate, params string[] expected)
    {
        using var dir = new TempDirectory();
        var manifest = Quickstart(dir.Path);
        var result = await CliRunner.RunAsync("run", manifest, "--cache", dir.File("cache"), "--fail-under", gate);
        AssertBadInput(result, expected);
        Assert.False(Directory.Exists(dir.File("cache")), "the gate must be rejected before any stage runs");
    }

    [Fact]
    public async Task A_gate_on_a_model_the_experiment_does_not_evaluate_is_bad_input()
    {
        // medtune run quickstart-base-only.yaml --fail-under loglik_accuracy=0.1   (a bare metric means tuned)
        using var dir = new TempDirectory();
        var manifest = Quickstart(dir.Path, ("models: [base, tuned]", "models: [base]"), ("metrics: [accuracy, exact_match, gestalt]", "metrics: [accuracy, loglik]"));
        var result = await CliRunner.RunAsync("run", manifest, "--cache", dir.File("cache"), "--fail-under", "loglik_accuracy=0.1");
        AssertBadInput(result, "does not evaluate the model 'tuned'", "base.loglik_accuracy");
        Assert.False(Directory.Exists(dir.File("cache")));
    }

    [Fact]
    public async Task A_gate_with_until_before_the_report_is_bad_input()
    {
        // medtune run quickstart.yaml --until train --fail-under tuned.accuracy=0.3
        using var dir = new TempDirectory();
        var manifest = Quickstart(dir.Path);
        var result = await CliRunner.RunAsync("run", manifest, "--cache", dir.File("cache"), "--until", "train", "--fail-under", "tuned.accuracy=0.3");
        AssertBadInput(result, "--until train stops before it");
        Assert.False(Directory.Exists(dir.File("cache")));
    }
}
