using System.Diagnostics;
using MedTune.Testing;

namespace MedTune.Cli.Tests;

/// <summary>
/// <c>medtune diff</c> on a scratch git repository: a shortened quickstart committed and run, then a second commit that
/// changes <c>lora.r</c> and the training data, run again. The diff between the two commits names the setting and the
/// data change, the stages that re-run, and the metric change with its paired test. Trains twice: EndToEnd.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class DiffEndToEndTests
{
    [Fact]
    public async Task Diff_between_two_commits_names_the_change_the_stages_to_rerun_and_the_metric_change()
    {
        using var dir = new TempDirectory();
        var repo = Path.Combine(dir.Path, "repo");
        var manifest = QuickstartEndToEndTests.CopyQuickstart(Path.Combine(repo, "experiments"));
        File.WriteAllText(manifest, File.ReadAllText(manifest).Replace("epochs: 20", "epochs: 3"));
        File.WriteAllText(Path.Combine(repo, ".gitignore"), "artifacts/\n");
        Git(repo, "init", "-q");

        var first = await CliRunner.RunAsync("run", manifest, "--quiet"); // cache: artifacts/cache in the repository
        Assert.True(first.ExitCode == 0, first.Output);
        Git(repo, "add", "-A");
        Git(repo, "commit", "-q", "-m", "quickstart, r 16");

        File.WriteAllText(manifest, File.ReadAllText(manifest).Replace("r: 16", "r: 4"));
        var data = Path.Combine(repo, "experiments", "quickstart", "instructions.jsonl");
        File.WriteAllLines(data, File.ReadAllLines(data).Take(120)); // a smaller training set
        // Before the second run: the work tree differs from HEAD, its lock file still names the old run.
        var pending = await CliRunner.RunAsync("diff", "-C", repo);
        Assert.True(pending.ExitCode == 0, pending.Output);
        Assert.Contains("lora.r changed 16 -> 4", pending.Output);
        Assert.Contains("not run since the change", pending.Output);

        var second = await CliRunner.RunAsync("run", manifest, "--quiet");
        Assert.True(second.ExitCode == 0, second.Output);
        Git(repo, "commit", "-q", "-a", "-m", "r 4, fewer instructions");

        var diff = await CliRunner.RunAsync("diff", "HEAD~1", "HEAD", "-C", repo);
        Assert.True(diff.ExitCode == 0, diff.Output);
        var output = diff.Output.Replace("\n", " ");
        Assert.Contains("quickstart (experiments/quickstart.yaml): changed", diff.Output);
        Assert.Contains("lora.r changed 16 -> 4", diff.Output);
        Assert.Contains("content of datasets.train[0] changed", diff.Output);
        Assert.Matches(@"train: .*config\.lora\.r changed 16 -> 4", output);
        Assert.Matches(@"train: .*input datasets\.train\[0\] changed", output);
        Assert.Contains("merge: upstream train re-runs", diff.Output);
        Assert.DoesNotContain("export-base:", diff.Output); // the base model's branch is untouched
        Assert.DoesNotContain("evaluate-base:", diff.Output);
        Assert.Matches(@"tuned\s*│\s*exact_match\s*│\s*\d\.\d{3}\s*│\s*\d\.\d{3}\s*│\s*[+−]\d\.\d{3}\s*│\s*mcnemar", diff.Output);

        // Without its cache the metrics cannot be shown: a clear message and exit 2.
        var noCache = await CliRunner.RunAsync("diff", "HEAD~1", "HEAD", "-C", repo, "--cache", Path.Combine(dir.Path, "nowhere"));
        Assert.Equal(2, noCache.ExitCode);
        Assert.Contains("no stage cache at", noCache.Output);

        var notGit = await CliRunner.RunAsync("diff", "-C", dir.Path);
        Assert.Equal(2, notGit.ExitCode);
        Assert.Contains("is not inside a git repository", notGit.Output);
    }

    private static void Git(string directory, params string[] args)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-c", "user.name=medtune test", "-c", "user.email=test@medtune.invalid", "-c", "commit.gpgsign=false" }.Concat(args))
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"git {string.Join(' ', args)}: {error}");
    }
}
