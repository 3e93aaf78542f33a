using System.Diagnostics;
using MedTune.Testing;

namespace MedTune.Pipeline.Tests;

public class RunEnvironmentTests
{
    [Fact]
    public async Task Record_names_the_experiment_repository_commit_and_whether_it_was_dirty()
    {
        using var pipeline = new FakePipeline();
        if (!Git(pipeline.Root, "init", "-q")) return; // git not installed: GitState says so, covered below
        Git(pipeline.Root, "add", "data");
        Assert.True(Git(pipeline.Root, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "data"));
        var head = GitOutput(pipeline.Root, "rev-parse", "HEAD");

        var clean = (await pipeline.RunAsync(until: "train"))["train"].Record.Environment.Git;
        Assert.Equal(new GitState(head, Dirty: true), clean); // the cache directory itself is untracked: dirty
        File.WriteAllText(Path.Combine(pipeline.Root, ".gitignore"), "artifacts/\n.gitignore\n");
        Assert.Equal(new GitState(head, Dirty: false), GitState.Of(pipeline.Root));
        File.AppendAllText(pipeline.TrainData, "edit\n");
        Assert.Equal(new GitState(head, Dirty: true), GitState.Of(pipeline.Root));
    }

    [Fact]
    public void Outside_a_repository_the_commit_says_so()
    {
        using var dir = new TempDirectory();
        Assert.Contains(GitState.Of(dir.Path).Commit, new[] { "not a git repository", "git not available" });
        Assert.Equal(new GitState("not a git repository", null), GitState.Of(null));
    }

    [Fact]
    public async Task Runner_persists_input_hashes_in_the_cache_hash_file()
    {
        using var pipeline = new FakePipeline();
        await pipeline.RunAsync(until: "train");
        var hashes = File.ReadAllText(Path.Combine(pipeline.CacheRoot, StageCache.HashCacheFileName));
        Assert.Contains(pipeline.TrainData, hashes);
        Assert.Contains(ContentHasher.Uncached.HashFile(pipeline.TrainData), hashes);
    }

    private static bool Git(string directory, params string[] arguments)
    {
        try
        {
            using var process = Start(directory, arguments);
            process.WaitForExit();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    private static string GitOutput(string directory, params string[] arguments)
    {
        using var process = Start(directory, arguments);
        var output = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return output;
    }

    private static Process Start(string directory, string[] arguments)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = directory, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        return Process.Start(start)!;
    }
}
