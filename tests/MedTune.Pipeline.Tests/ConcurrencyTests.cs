namespace MedTune.Pipeline.Tests;

public class ConcurrencyTests
{
    [Fact]
    public async Task Two_runners_on_one_cache_build_a_stage_once_the_second_waits_and_reuses_it()
    {
        using var pipeline = new FakePipeline();
        var trainStarted = new TaskCompletionSource();
        var secondIsWaiting = new TaskCompletionSource();
        pipeline.Bodies["train"] = async (context, _) =>
        {
            File.WriteAllText(Path.Combine(context.OutputDirectory, "part1"), "a");
            trainStarted.TrySetResult();
            await secondIsWaiting.Task; // hold the key's lock until the second runner is blocked on it
            File.WriteAllText(Path.Combine(context.OutputDirectory, "part2"), "b");
        };

        var first = Task.Run(() => pipeline.RunAsync(until: "train"));
        await trainStarted.Task;
        var reporter = new RecordingReporter
        {
            OnMessage = m => { if (m.Contains("waiting for another medtune run")) secondIsWaiting.TrySetResult(); },
        };
        // A second runner with its own StageCache/FileStreams, as a second process would have.
        var second = Task.Run(() => pipeline.RunAsync(until: "train", reporter: reporter));

        var results = await Task.WhenAll(first, second);
        Assert.Equal(1, pipeline.Stages["train"].Runs);
        Assert.Equal(StageRunStatus.Ran, results[0]["train"].Status);
        Assert.Equal(StageRunStatus.Cached, results[1]["train"].Status);
        Assert.Equal(results[0]["train"].OutputHash, results[1]["train"].OutputHash);
        Assert.Empty(PipelineVerifier.Verify(LockFile.FromRun("x", results[0]), pipeline.Cache));
        Assert.Single(Directory.EnumerateDirectories(pipeline.Cache.KindDirectory("train")));
    }

    [Fact]
    public void Key_lock_excludes_a_second_file_stream_until_released()
    {
        using var dir = new MedTune.Testing.TempDirectory();
        var path = dir.File(".lock-x");
        using (var held = KeyLock.TryAcquire(path))
        {
            Assert.NotNull(held);
            Assert.Null(KeyLock.TryAcquire(path));
        }
        using var again = KeyLock.TryAcquire(path);
        Assert.NotNull(again);
    }

    [Fact]
    public async Task Many_concurrent_runners_of_the_whole_pipeline_run_each_stage_once()
    {
        using var pipeline = new FakePipeline();
        pipeline.Definitions(); // create the shared stage objects (run counters) before the runners start
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => pipeline.RunAsync())));
        Assert.All(pipeline.Stages.Values, s => Assert.Equal(1, s.Runs));
        Assert.All(results, r => Assert.Equal(results[0]["report"].OutputHash, r["report"].OutputHash));
        Assert.Empty(PipelineVerifier.Verify(LockFile.FromRun("x", results[0]), pipeline.Cache));
    }
}
