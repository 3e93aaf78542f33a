namespace MedTune.Pipeline.Tests;

public class PipelineStatusTests
{
    private static async Task<(FakePipeline Pipeline, LockFile Lock)> RunAndLock()
    {
        var pipeline = new FakePipeline();
        return (pipeline, LockFile.FromRun("e", await pipeline.RunAsync()));
    }

    private static Dictionary<string, StageStatus> Status(FakePipeline pipeline, LockFile? lockFile, int seed = 42) =>
        PipelineStatus.Compute(pipeline.Definitions(), lockFile, pipeline.Cache, seed).ToDictionary(s => s.Name);

    [Fact]
    public async Task Everything_is_up_to_date_after_a_run()
    {
        var (pipeline, lockFile) = await RunAndLock();
        using var _ = pipeline;
        Assert.All(Status(pipeline, lockFile).Values, s =>
        {
            Assert.Equal(StageState.UpToDate, s.State);
            Assert.Empty(s.Reasons);
            Assert.Equal(s.LockedKey, s.CurrentKey);
        });
    }

    [Fact]
    public async Task Config_change_explains_itself_and_marks_descendants_stale()
    {
        var (pipeline, lockFile) = await RunAndLock();
        using var _ = pipeline;
        pipeline.Configs["train"]["train"]!["learning_rate"] = 0.001;
        var status = Status(pipeline, lockFile);

        Assert.Equal(StageState.Stale, status["train"].State);
        Assert.Equal(["config.train.learning_rate changed 0.0003 -> 0.001"], status["train"].Reasons);
        Assert.Equal(StageState.Stale, status["merge"].State);
        Assert.Equal(["upstream train is not built for its current inputs"], status["merge"].Reasons);
        Assert.Null(status["merge"].CurrentKey);
        Assert.Equal(StageState.UpToDate, status["export-base"].State);

        // Once train has run with the new config, merge's reason names the changed upstream output.
        await pipeline.RunAsync(until: "train");
        Assert.Equal(["upstream train output changed"], Status(pipeline, lockFile)["merge"].Reasons);
    }

    [Fact]
    public async Task Input_and_seed_changes_are_reasons()
    {
        var (pipeline, lockFile) = await RunAndLock();
        using var _ = pipeline;
        File.WriteAllText(pipeline.TrainData, "changed\n");
        var status = Status(pipeline, lockFile, seed: 1);
        Assert.Equal(["seed changed 42 -> 1", "input datasets.train[0] changed"], status["train"].Reasons);
        Assert.Equal(["seed changed 42 -> 1"], status["export-base"].Reasons);
    }

    [Fact]
    public async Task Missing_when_the_cache_lacks_a_locked_entry_and_not_in_lock_without_a_lock()
    {
        var (pipeline, lockFile) = await RunAndLock();
        using var _ = pipeline;
        Directory.Delete(pipeline.Cache.EntryDirectory("report", lockFile.Stages["report"].Key), recursive: true);
        var status = Status(pipeline, lockFile);
        Assert.Equal(StageState.Missing, status["report"].State);
        Assert.Contains("output not in the cache", status["report"].Reasons[0]);

        var noLock = Status(pipeline, null);
        Assert.All(noLock.Values, s => Assert.Equal(StageState.NotInLock, s.State));
        Assert.Equal(["cached, but the lock file has not recorded it"], noLock["train"].Reasons);
        Assert.Equal(["not run yet"], noLock["report"].Reasons);
    }

    [Fact]
    public async Task Forced_rerun_with_a_different_output_makes_the_lock_stale_until_it_is_rewritten()
    {
        var (pipeline, lockFile) = await RunAndLock();
        using var _ = pipeline;
        pipeline.Bodies["report"] = (context, _) =>
        {
            File.WriteAllText(Path.Combine(context.OutputDirectory, "report.md"), "different this time");
            return Task.CompletedTask;
        };
        var rerun = await pipeline.RunAsync(force: ["report"]);
        var status = Status(pipeline, lockFile)["report"];
        Assert.Equal(StageState.Stale, status.State);
        Assert.Contains("is not the one the lock file records", Assert.Single(status.Reasons));
        Assert.Equal(StageState.UpToDate, Status(pipeline, LockFile.FromRun("e", rerun, lockFile))["report"].State);
    }

    [Fact]
    public async Task A_crashed_run_leaves_nothing_that_status_calls_up_to_date()
    {
        using var pipeline = new FakePipeline();
        pipeline.Configs["evaluate-tuned"]["evaluate"]!["max_new_tokens"] = 16;
        pipeline.Bodies["evaluate-tuned"] = (context, _) =>
        {
            File.WriteAllText(Path.Combine(context.OutputDirectory, "predictions.jsonl"), "{\"id\":1}");
            throw new IOException("disk full");
        };
        await Assert.ThrowsAsync<IOException>(() => pipeline.RunAsync());
        // The lock file is written only after a successful run; status against "what would be locked" must not
        // find complete entries for the failed stage or anything after it.
        var status = Status(pipeline, null);
        Assert.Equal(["not run yet"], status["evaluate-tuned"].Reasons);
        Assert.Contains("upstream evaluate-tuned is not built for its current inputs", status["report"].Reasons);
        Assert.Equal(StageState.NotInLock, status["report"].State);
        Assert.Equal(["cached, but the lock file has not recorded it"], status["export-tuned"].Reasons);
    }
}

public class PipelineVerifierTests
{
    [Fact]
    public async Task Verify_is_clean_after_a_run_and_detects_a_modified_byte_a_missing_and_an_extra_file()
    {
        using var pipeline = new FakePipeline();
        var lockFile = LockFile.FromRun("e", await pipeline.RunAsync());
        Assert.Empty(PipelineVerifier.Verify(lockFile, pipeline.Cache));

        var merge = pipeline.Cache.EntryDirectory("merge", lockFile.Stages["merge"].Key);
        var data = Path.Combine(merge, "sub", "data.bin");
        var bytes = File.ReadAllBytes(data);
        bytes[0] ^= 1;
        var mtime = File.GetLastWriteTimeUtc(data);
        File.WriteAllBytes(data, bytes);
        File.SetLastWriteTimeUtc(data, mtime); // verify must not trust size+mtime
        File.Delete(Path.Combine(merge, "result.txt"));
        File.WriteAllText(Path.Combine(merge, "notes.txt"), "added by hand");
        Directory.Delete(pipeline.Cache.EntryDirectory("report", lockFile.Stages["report"].Key), recursive: true);

        var drift = PipelineVerifier.Verify(lockFile, pipeline.Cache);
        Assert.Equal(
        [
            ("merge", DriftKind.FileMissing, "result.txt"),
            ("merge", DriftKind.FileChanged, "sub/data.bin"),
            ("merge", DriftKind.FileExtra, "notes.txt"),
            ("report", DriftKind.EntryMissing, pipeline.Cache.EntryDirectory("report", lockFile.Stages["report"].Key)),
        ], drift.Select(d => (d.Stage, d.Kind, d.Path)));
        Assert.StartsWith("merge: sub/data.bin changed (lock ", drift[1].ToString());
    }

    [Fact]
    public async Task Rerun_reports_which_stages_reproduce_bit_for_bit()
    {
        using var pipeline = new FakePipeline();
        pipeline.Bodies["evaluate-base"] = (context, _) =>
        {
            File.WriteAllText(Path.Combine(context.OutputDirectory, "result.txt"), "nondeterministic " + Guid.NewGuid());
            return Task.CompletedTask;
        };
        var lockFile = LockFile.FromRun("e", await pipeline.RunAsync());
        using var scratch = new MedTune.Testing.TempDirectory();

        var comparisons = (await PipelineVerifier.RerunAsync(pipeline.Definitions(), lockFile, scratch.Path, seed: 42)).ToDictionary(c => c.Stage);

        Assert.Equal(2, pipeline.Stages["train"].Runs);
        Assert.True(comparisons["train"].OutputMatches);
        Assert.True(comparisons["evaluate-tuned"].KeyMatches);
        Assert.False(comparisons["evaluate-base"].OutputMatches);
        Assert.Equal(["result.txt"], comparisons["evaluate-base"].DifferingFiles);
        Assert.False(comparisons["report"].KeyMatches); // its upstream evaluate-base output differs
    }
}

public class CacheGarbageCollectorTests
{
    [Fact]
    public async Task Gc_keeps_entries_referenced_by_a_lock_and_removes_the_rest()
    {
        using var pipeline = new FakePipeline();
        var old = LockFile.FromRun("e", await pipeline.RunAsync());
        pipeline.Configs["report"]["report"]!["title"] = "v2";
        var current = LockFile.FromRun("e", await pipeline.RunAsync());
        var cache = pipeline.Cache;
        var oldReport = cache.EntryDirectory("report", old.Stages["report"].Key);
        var abandoned = Path.Combine(cache.KindDirectory("train"), $".tmp-{current.Stages["train"].Key}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(abandoned);
        File.WriteAllBytes(Path.Combine(abandoned, "partial"), new byte[10]);

        var expectedBytes = new DirectoryInfo(oldReport).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length) + 10;

        var dryRun = CacheGarbageCollector.Collect(pipeline.CacheRoot, [current], dryRun: true);
        Assert.Equal(new[] { abandoned, oldReport }.Order(StringComparer.Ordinal), dryRun.Removed.Select(r => r.Path).Order(StringComparer.Ordinal));
        Assert.Equal(expectedBytes, dryRun.BytesFreed);
        Assert.True(Directory.Exists(oldReport));

        var collected = CacheGarbageCollector.Collect(pipeline.CacheRoot, [current], dryRun: false);
        Assert.Equal(dryRun.Removed, collected.Removed);
        Assert.Equal(expectedBytes, collected.BytesFreed);
        Assert.False(Directory.Exists(oldReport));
        Assert.False(Directory.Exists(abandoned));
        Assert.Empty(PipelineVerifier.Verify(current, cache));
    }

    [Fact]
    public async Task Gc_skips_a_key_another_run_is_building()
    {
        using var pipeline = new FakePipeline();
        var key = (await pipeline.RunAsync(until: "train"))["train"].Key;
        using var held = pipeline.Cache.TryLock("train", key);
        var result = CacheGarbageCollector.Collect(pipeline.CacheRoot, [], dryRun: false);
        Assert.Empty(result.Removed);
        Assert.Equal([pipeline.Cache.EntryDirectory("train", key)], result.Skipped);
    }
}
