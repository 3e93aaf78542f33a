using MedTune.Pipeline;
using MedTune.Testing;

namespace MedTune.Cli.Tests;

/// <summary>Issue 14 item 2: gc names the lock files it keeps, refuses a cache it cannot account for, and spares young and locked entries.</summary>
public sealed class GcCommandTests
{
    private static readonly string KeptKey = new('a', 64);
    private static readonly string OldKey = new('b', 64);
    private static readonly string YoungKey = new('c', 64);
    private static readonly string LockedKey = new('d', 64);

    [Fact]
    public async Task A_cache_given_with_cache_is_not_collected_without_exclusive()
    {
        using var dir = new TempDirectory();
        var (cache, lockPath) = SharedCache(dir);

        // medtune gc exp.lock.json --cache DIR --dry-run
        var dryRun = await CliRunner.RunAsync("gc", lockPath, "--cache", cache, "--dry-run");
        Assert.True(dryRun.ExitCode == 0, dryRun.Output);
        Assert.Contains("keeping what 1 lock file(s) reference", dryRun.Output);
        Assert.Contains(lockPath, dryRun.Output);
        Assert.Contains("given with --cache", dryRun.Output);
        Assert.Contains($"would remove {Path.Combine(cache, "train", OldKey)}", dryRun.Output);

        // medtune gc exp.lock.json --cache DIR
        var refused = await CliRunner.RunAsync("gc", lockPath, "--cache", cache);
        TestExperiments.AssertBadInput(refused, "refusing to collect", "--exclusive");
        Assert.True(Directory.Exists(Path.Combine(cache, "train", OldKey)), "a refused gc must delete nothing");
    }

    [Fact]
    public async Task With_exclusive_only_old_unlocked_unreferenced_entries_go()
    {
        using var dir = new TempDirectory();
        var (cache, lockPath) = SharedCache(dir);
        var store = new StageCache(cache);
        using (var running = store.TryLock("train", LockedKey))
        {
            Assert.NotNull(running);
            // medtune gc exp.lock.json --cache DIR --exclusive        (default grace: 24h)
            var result = await CliRunner.RunAsync("gc", lockPath, "--cache", cache, "--exclusive");
            Assert.True(result.ExitCode == 0, result.Output);
            Assert.Contains($"kept {Path.Combine(cache, "train", LockedKey)}: a running medtune holds its lock", result.Output);
            Assert.Contains("kept 1 unreferenced entry written within the last 24h (--grace)", result.Output);
        }
        Assert.False(Directory.Exists(Path.Combine(cache, "train", OldKey)));
        Assert.True(Directory.Exists(Path.Combine(cache, "train", KeptKey)), "referenced by the lock file");
        Assert.True(Directory.Exists(Path.Combine(cache, "train", YoungKey)), "younger than the grace period");
        Assert.True(Directory.Exists(Path.Combine(cache, "train", LockedKey)), "locked by a running stage");

        // medtune gc exp.lock.json --cache DIR --exclusive --grace 0   (the lock is released now)
        var noGrace = await CliRunner.RunAsync("gc", lockPath, "--cache", cache, "--exclusive", "--grace", "0");
        Assert.True(noGrace.ExitCode == 0, noGrace.Output);
        Assert.False(Directory.Exists(Path.Combine(cache, "train", YoungKey)));
        Assert.True(Directory.Exists(Path.Combine(cache, "train", KeptKey)));
    }

    [Fact]
    public async Task A_malformed_grace_is_bad_input()
    {
        // medtune gc exp.lock.json --grace soon
        using var dir = new TempDirectory();
        var (cache, lockPath) = SharedCache(dir);
        TestExperiments.AssertBadInput(await CliRunner.RunAsync("gc", lockPath, "--cache", cache, "--grace", "soon"), "--grace: 'soon' is not a duration");
    }

    /// <summary>A cache with a referenced entry, an old and a young unreferenced one, and one a "running stage" will lock.</summary>
    private static (string Cache, string LockPath) SharedCache(TempDirectory dir)
    {
        var cache = dir.File("shared-cache");
        foreach (var key in new[] { KeptKey, OldKey, YoungKey, LockedKey })
        {
            var entry = Path.Combine(cache, "train", key);
            Directory.CreateDirectory(entry);
            File.WriteAllText(Path.Combine(entry, "adapter_model.safetensors"), key);
            if (key != YoungKey)
            {
                var old = DateTime.UtcNow.AddDays(-3);
                File.SetLastWriteTimeUtc(Path.Combine(entry, "adapter_model.safetensors"), old);
                Directory.SetLastWriteTimeUtc(entry, old);
            }
        }
        var lockFile = new LockFile { Experiment = "exp" };
        lockFile.Stages["train"] = new LockedStage
        {
            Kind = "train", Key = KeptKey, ImplVersion = 1, Seed = 42, Config = new System.Text.Json.Nodes.JsonObject(), OutputHash = new string('e', 64),
        };
        var lockPath = dir.File("exp.lock.json");
        lockFile.Write(lockPath);
        return (cache, lockPath);
    }
}
