using MedTune.Testing;

namespace MedTune.Cli.Tests;

/// <summary>
/// A lock file written in one place verifies in another: the same manifest run from two different directories, its
/// <c>${VAR}</c> data paths pointing at two copies of the same data at different absolute paths, with separate
/// caches, writes byte-identical lock files, and each verifies against the other's cache. A shortened quickstart
/// (2 epochs) keeps it to tens of seconds; still an EndToEnd test (it trains and exports twice).
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class LockReproducibilityEndToEndTests
{
    private const string Variable = "MEDTUNE_LOCK_TEST_DATA";

    [Fact]
    public async Task Two_directories_and_two_data_copies_write_byte_identical_lock_files()
    {
        using var dir = new TempDirectory();
        var first = Experiment(Path.Combine(dir.Path, "one", "experiments"), Path.Combine(dir.Path, "data-copy-a"));
        var second = Experiment(Path.Combine(dir.Path, "two", "deeper", "exp"), Path.Combine(dir.Path, "elsewhere", "data-copy-b"));

        var firstLock = await RunAsync(first, Path.Combine(dir.Path, "cache-one"));
        var secondLock = await RunAsync(second, Path.Combine(dir.Path, "cache-two"));

        Assert.Equal(File.ReadAllBytes(firstLock), File.ReadAllBytes(secondLock));
        var text = File.ReadAllText(firstLock);
        Assert.DoesNotContain(dir.Path, text);
        Assert.Contains("${" + Variable + "}/instructions.jsonl", text); // keyed by the unexpanded text ...
        Assert.Contains("\"datasets.train[0]\": \"", text);               // ... and the content hash of what it points at

        // The first lock file, copied over the second, verifies against the second run's cache.
        File.Copy(firstLock, secondLock, overwrite: true);
        Environment.SetEnvironmentVariable(Variable, second.Data);
        try
        {
            var verify = await CliRunner.RunAsync("verify", second.Manifest, "--cache", Path.Combine(dir.Path, "cache-two"));
            Assert.True(verify.ExitCode == 0, verify.Output);
            var status = await CliRunner.RunAsync("status", second.Manifest, "--cache", Path.Combine(dir.Path, "cache-two"));
            Assert.True(status.ExitCode == 0, status.Output);
        }
        finally
        {
            Environment.SetEnvironmentVariable(Variable, null);
        }
    }

    private sealed record Copy(string Manifest, string Data);

    /// <summary>The quickstart manifest, shortened, with its data paths through ${MEDTUNE_LOCK_TEST_DATA}, and a copy of the data.</summary>
    private static Copy Experiment(string experimentDirectory, string dataDirectory)
    {
        var quickstart = Path.Combine(SharedData.RepoRoot, "experiments");
        Directory.CreateDirectory(experimentDirectory);
        Directory.CreateDirectory(dataDirectory);
        foreach (var file in Directory.GetFiles(Path.Combine(quickstart, "quickstart")))
            File.Copy(file, Path.Combine(dataDirectory, Path.GetFileName(file)));
        var yaml = File.ReadAllText(Path.Combine(quickstart, "quickstart.yaml"))
            .Replace("path: quickstart/", "path: ${" + Variable + "}/")
            .Replace("epochs: 20", "epochs: 2");
        Assert.Contains("${" + Variable + "}/exam.jsonl", yaml);
        var manifest = Path.Combine(experimentDirectory, "quickstart.yaml");
        File.WriteAllText(manifest, yaml);
        return new Copy(manifest, dataDirectory);
    }

    private static async Task<string> RunAsync(Copy copy, string cache)
    {
        Environment.SetEnvironmentVariable(Variable, copy.Data);
        try
        {
            var run = await CliRunner.RunAsync("run", copy.Manifest, "--cache", cache, "--quiet");
            Assert.True(run.ExitCode == 0, run.Output);
            return Path.Combine(Path.GetDirectoryName(copy.Manifest)!, "quickstart.lock.json");
        }
        finally
        {
            Environment.SetEnvironmentVariable(Variable, null);
        }
    }
}
