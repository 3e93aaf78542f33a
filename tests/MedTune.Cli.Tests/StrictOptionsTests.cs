using MedTune.Testing;
using static MedTune.Cli.Tests.TestExperiments;

namespace MedTune.Cli.Tests;

/// <summary>Issue 14 item 1: a mistyped option or an extra argument is bad input (exit 2) with a did-you-mean, on every command.</summary>
public sealed class StrictOptionsTests
{
    [Fact]
    public async Task A_mistyped_fail_under_exits_2_with_the_right_spelling_and_runs_nothing()
    {
        // medtune run quickstart.yaml --fail-undr tuned.accuracy=0.95
        using var dir = new TempDirectory();
        var manifest = Quickstart(dir.Path);
        var result = await CliRunner.RunAsync("run", manifest, "--cache", dir.File("cache"), "--fail-undr", "tuned.accuracy=0.95");
        AssertBadInput(result, "'medtune run' has no option '--fail-undr'", "Did you mean '--fail-under'?");
        Assert.False(Directory.Exists(dir.File("cache")), "nothing may run when an option is wrong");
        Assert.False(File.Exists(dir.File("quickstart.lock.json")));
    }

    [Theory]
    [InlineData("run", "--bogus")]
    [InlineData("status", "--typo")]
    [InlineData("verify", "--rerunn")]
    [InlineData("validate", "--no-check-file")]
    [InlineData("schema", "--output-file")]
    [InlineData("score", "--strict-id")]
    [InlineData("report", "--outptu")]
    [InlineData("gc", "--dryrun")]
    public async Task Every_command_rejects_an_option_it_does_not_have(string command, string option)
    {
        // e.g. medtune status quickstart.yaml --typo
        using var dir = new TempDirectory();
        var manifest = Quickstart(dir.Path);
        string[] args = command switch
        {
            "score" => ["score", "--questions", QuickstartExam, "--predictions", QuickstartExam, option],
            "schema" => ["schema", option],
            "gc" => ["gc", manifest, option],
            _ => [command, manifest, option],
        };
        var result = await CliRunner.RunAsync(args);
        AssertBadInput(result, $"'medtune {command}' has no option '{option}'", "Valid options:");
    }

    [Fact]
    public async Task A_near_miss_gets_a_suggestion_and_a_short_option_is_rejected_too()
    {
        using var dir = new TempDirectory();
        var manifest = Quickstart(dir.Path);
        // medtune verify quickstart.yaml --rerunn
        AssertBadInput(await CliRunner.RunAsync("verify", manifest, "--rerunn"), "Did you mean '--rerun'?");
        // medtune run quickstart.yaml -x
        AssertBadInput(await CliRunner.RunAsync("run", manifest, "-x"), "has no option '-x'");
    }

    [Fact]
    public async Task An_extra_argument_is_rejected()
    {
        // medtune status quickstart.yaml extra.yaml
        using var dir = new TempDirectory();
        var manifest = Quickstart(dir.Path);
        var result = await CliRunner.RunAsync("status", manifest, "extra.yaml");
        AssertBadInput(result, "extra.yaml");
    }

    [Theory]
    [InlineData("lora", "  alpha: 32", "  lora_alpha: 32", "lora.alpha")]
    [InlineData("train", "  epochs: 20", "  num_train_epochs: 20", "train.epochs")]
    [InlineData("train", "  batch_size: 8", "  per_device_train_batch_size: 8", "train.batch_size")]
    [InlineData("train", "  scheduler: cosine", "  lr_scheduler_type: cosine", "train.scheduler")]
    public async Task Hugging_Face_and_PEFT_key_names_map_to_ours(string section, string ours, string theirs, string expected)
    {
        // medtune validate quickstart.yaml   (with lora_alpha: 32 under lora:)
        using var dir = new TempDirectory();
        var manifest = Quickstart(dir.Path, (ours, theirs));
        var result = await CliRunner.RunAsync("validate", manifest);
        var hfName = theirs.Trim().Split(':')[0];
        AssertBadInput(result, $"unknown key '{hfName}' in {section}", $"'{hfName}' is the Hugging Face/PEFT name", expected);
    }
}
