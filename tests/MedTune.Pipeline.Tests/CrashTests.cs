using System.Diagnostics;
using System.Text.Json.Nodes;

namespace MedTune.Pipeline.Tests;

/// <summary>
/// A real crash: a child process (this test assembly run with <c>dotnet exec</c>, see <see cref="Program"/>) runs
/// the pipeline, checkpoints a "train" stage halfway and is killed with SIGKILL while it holds the key's lock
/// and has partial output in its build directory. The next run must clean up, resume and publish.
/// </summary>
public class CrashTests
{
    [Fact]
    public async Task Killed_run_leaves_no_entry_releases_its_lock_and_the_next_run_resumes_from_the_work_directory()
    {
        using var dir = new MedTune.Testing.TempDirectory();
        var input = dir.File("train.jsonl");
        File.WriteAllText(input, "{\"instruction\":\"q\",\"output\":\"a\"}\n");
        var cacheRoot = dir.File("cache");

        using (var child = StartChild(cacheRoot, input))
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            string? line;
            while ((line = await child.StandardOutput.ReadLineAsync(timeout.Token)) != CheckpointingTrainStage.CheckpointedMarker)
                Assert.True(line is not null, "the child exited before checkpointing: " + await child.StandardError.ReadToEndAsync());
            child.Kill(entireProcessTree: true);
            await child.WaitForExitAsync(timeout.Token);
        }

        var cache = new StageCache(cacheRoot);
        var definitions = CheckpointingTrainStage.Definitions(input, new CheckpointingTrainStage(hangAfterCheckpoint: false));
        var key = StageKeys.Compose(definitions[0], 42, StageKeys.HashInputs(definitions[0], ContentHasher.Uncached), new Dictionary<string, string>()).ComputeKey();
        Assert.Null(cache.TryGetEntry("train", key));
        var abandoned = Assert.Single(Directory.GetDirectories(cache.KindDirectory("train"), ".tmp-*"));
        Assert.True(File.Exists(Path.Combine(abandoned, "adapter.bin")));
        Assert.Equal("2", File.ReadAllText(Path.Combine(cache.WorkDirectory("train", key), "checkpoint.txt")));
        Assert.DoesNotContain(PipelineStatus.Compute(definitions, null, cache, 42), s => s.State == StageState.UpToDate);
        using (var released = cache.TryLock("train", key)) Assert.NotNull(released);

        var stage = (CheckpointingTrainStage)definitions[0].Stage;
        var result = await new PipelineRunner(new PipelineRunnerOptions { CacheRoot = cacheRoot, Seed = 42 }).RunAsync(definitions);
        Assert.Equal(StageRunStatus.Ran, result["train"].Status);
        Assert.Equal(key, result["train"].Key);
        Assert.Equal(2, stage.ResumedFromStep);
        Assert.False(Directory.Exists(abandoned));
        Assert.False(Directory.Exists(cache.WorkDirectory("train", key)));
        Assert.Equal("step 3\nstep 4\n", File.ReadAllText(Path.Combine(result["train"].OutputDirectory, "adapter.bin")));
    }

    private static Process StartChild(string cacheRoot, string input)
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (string.IsNullOrEmpty(host) || !File.Exists(host)) host = Environment.ProcessPath!;
        var start = new ProcessStartInfo(host)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "exec", typeof(CrashTests).Assembly.Location, Program.CrashChildCommand, cacheRoot, input })
            start.ArgumentList.Add(argument);
        return Process.Start(start)!;
    }
}

/// <summary>A "train" stage that checkpoints each step into its work directory and resumes from the last checkpoint.</summary>
internal sealed class CheckpointingTrainStage(bool hangAfterCheckpoint) : IStage
{
    public const string CheckpointedMarker = "CHECKPOINTED";

    public string Kind => "train";
    public int ImplementationVersion => 1;
    public int ResumedFromStep { get; private set; } = -1;

    public static List<StageDefinition> Definitions(string input, IStage stage) =>
        [new("train", stage, JsonNode.Parse("""{"train":{"steps":4}}""")!, [input], []) { InputNames = ["datasets.train[0]"] }];

    public async Task RunAsync(StageContext context, CancellationToken cancellationToken)
    {
        var checkpoint = Path.Combine(context.WorkDirectory, "checkpoint.txt");
        ResumedFromStep = File.Exists(checkpoint) ? int.Parse(File.ReadAllText(checkpoint)) : 0;
        for (var step = ResumedFromStep + 1; step <= 4; step++)
        {
            File.AppendAllText(Path.Combine(context.OutputDirectory, "adapter.bin"), $"step {step}\n");
            File.WriteAllText(checkpoint, step.ToString());
            if (hangAfterCheckpoint && step == 2)
            {
                Console.Out.WriteLine(CheckpointedMarker);
                Console.Out.Flush();
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
        }
    }
}
