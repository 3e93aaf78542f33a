using MedTune.Testing;

namespace MedTune.Cli.Tests;

/// <summary><c>medtune report</c> errors that need no run: no lock file, and a locked report that is not in the cache.</summary>
public sealed class ReportCommandTests
{
    [Fact]
    public async Task An_experiment_that_was_never_run_exits_2_naming_it()
    {
        using var dir = new TempDirectory();
        var manifest = QuickstartEndToEndTests.CopyQuickstart(dir.Path);
        var result = await CliRunner.RunAsync("report", manifest, "--cache", dir.File("cache"));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("no report in its lock file", result.Output);
        Assert.Contains("medtune run", result.Output);
    }

    [Fact]
    public async Task A_locked_report_missing_from_the_cache_hints_at_cache()
    {
        using var dir = new TempDirectory();
        var manifest = QuickstartEndToEndTests.CopyQuickstart(dir.Path);
        File.Copy(Path.Combine(SharedData.RepoRoot, "experiments", "quickstart.lock.json"), dir.File("quickstart.lock.json"));

        var result = await CliRunner.RunAsync("report", manifest, "--cache", dir.File("empty-cache"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("is not in the cache", result.Output);
        Assert.Contains("(from --cache)", result.Output);
        Assert.Contains("pass it with --cache DIR", result.Output);
    }
}
