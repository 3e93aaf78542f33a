using System.Text.Json.Nodes;
using MedTune.Testing;

namespace MedTune.Pipeline.Tests;

/// <summary>The planner (shared stages across experiments), the local executor's --jobs and memory bound, stage logs, Slurm job scripts.</summary>
public sealed class ExecutionTests
{
    /// <summary>Two experiments that differ only in evaluation (as 0- and 1-shot variants): train, merge and exports are shared.</summary>
    private static IReadOnlyList<ExperimentRun> TwoVariants(FakePipeline pipeline)
    {
        var zero = pipeline.Definitions();
        pipeline.Configs["evaluate-tuned"] = JsonNode.Parse("""{"evaluate":{"shots":1}}""")!;
        pipeline.Configs["evaluate-base"] = JsonNode.Parse("""{"evaluate":{"shots":1}}""")!;
        var one = pipeline.Definitions();
        return [new ExperimentRun("x@shots=0", zero, 42), new ExperimentRun("x@shots=1", one, 42)];
    }

    [Fact]
    public void The_planner_merges_stages_with_the_same_settings_across_experiments()
    {
        using var pipeline = new FakePipeline();
        var plan = ExecutionPlanner.Plan(TwoVariants(pipeline), pipeline.Cache);

        Assert.Equal(10, plan.Stages.Count); // 4 shared + 2 × (2 evaluates + report)
        Assert.Equal(["train", "merge", "export-tuned", "export-base"], plan.Shared.Select(s => s.Definition.Name));
        Assert.All(plan.Stages, s => Assert.Null(s.Cached));
        Assert.True(plan.ByExperiment["x@shots=0"]["train"].IsKeyKnown);
        Assert.False(plan.ByExperiment["x@shots=0"]["merge"].IsKeyKnown);
        Assert.Same(plan.ByExperiment["x@shots=0"]["export-tuned"], plan.ByExperiment["x@shots=1"]["export-tuned"]);
        Assert.NotSame(plan.ByExperiment["x@shots=0"]["evaluate-tuned"], plan.ByExperiment["x@shots=1"]["evaluate-tuned"]);
    }

    [Fact]
    public async Task Running_both_variants_builds_each_shared_stage_once_and_a_second_plan_finds_everything_cached()
    {
        using var pipeline = new FakePipeline();
        var runs = TwoVariants(pipeline);
        var options = new PipelineRunnerOptions { CacheRoot = pipeline.CacheRoot, Jobs = 3 };

        var result = await new PipelineRunner(options).RunAllAsync(runs, null);

        Assert.Equal(1, pipeline.Stages["train"].Runs);
        Assert.Equal(1, pipeline.Stages["export-base"].Runs);
        Assert.Equal(2, pipeline.Stages["evaluate-base"].Runs);
        Assert.Equal(result.Results!["x@shots=0"]["merge"].OutputHash, result.Results["x@shots=1"]["merge"].OutputHash);
        Assert.NotEqual(result.Results["x@shots=0"]["evaluate-base"].Key, result.Results["x@shots=1"]["evaluate-base"].Key);
        var again = ExecutionPlanner.Plan(runs, pipeline.Cache);
        Assert.All(again.Stages, s => Assert.NotNull(s.Cached));
        Assert.Equal(result.Results["x@shots=1"]["report"].Key, again.ByExperiment["x@shots=1"]["report"].Identity);
        // Each stage's own log lies beside its output and is not part of the output hash.
        var log = Path.Combine(result.Results["x@shots=0"]["train"].OutputDirectory, StageLog.FileName);
        Assert.False(File.Exists(log)); // no StageLogs configured
    }

    [Fact]
    public async Task Jobs_runs_independent_stages_at_the_same_time_and_never_more_than_asked()
    {
        using var pipeline = new FakePipeline();
        var running = 0;
        var most = 0;
        var bothBranches = new TaskCompletionSource();
        async Task Body(StageContext c, CancellationToken ct)
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref most, now);
            if (now >= 2) bothBranches.TrySetResult();
            // train and export-base are independent: each waits (bounded) until the other has started.
            if (c.StageName is "train" or "export-base") await Task.WhenAny(bothBranches.Task, Task.Delay(TimeSpan.FromSeconds(20), ct));
            FakeStage.WriteDefaultOutput(c, pipeline.Configs[c.StageName]);
            Interlocked.Decrement(ref running);
        }
        foreach (var (name, _, _) in FakePipeline.Shape) pipeline.Bodies[name] = Body;

        await new PipelineRunner(new PipelineRunnerOptions { CacheRoot = pipeline.CacheRoot, Jobs = 2 }).RunAllAsync(TwoVariants(pipeline), null);

        Assert.True(bothBranches.Task.IsCompleted, "train and export-base never ran at the same time with --jobs 2");
        Assert.Equal(2, most);
    }

    [Fact]
    public async Task Stages_whose_stated_memory_does_not_fit_together_run_one_after_the_other()
    {
        using var pipeline = new FakePipeline();
        var running = 0;
        var most = 0;
        async Task Body(StageContext c, CancellationToken ct)
        {
            InterlockedMax(ref most, Interlocked.Increment(ref running));
            await Task.Delay(50, ct);
            FakeStage.WriteDefaultOutput(c, pipeline.Configs[c.StageName]);
            Interlocked.Decrement(ref running);
        }
        foreach (var (name, _, _) in FakePipeline.Shape) pipeline.Bodies[name] = Body;

        await new PipelineRunner(new PipelineRunnerOptions
        {
            CacheRoot = pipeline.CacheRoot, Jobs = 4, MemoryBudgetBytes = 10L << 30, MemoryOf = _ => 6L << 30,
        }).RunAllAsync(TwoVariants(pipeline), null);

        Assert.Equal(1, most);
    }

    [Fact]
    public async Task Each_stage_runs_and_resumes_on_a_thread_of_its_own_that_ends_with_it()
    {
        // libtorch's OpenMP teams are per thread and live as long as it: a stage's thread must end with the stage.
        using var pipeline = new FakePipeline();
        var threads = new System.Collections.Concurrent.ConcurrentDictionary<string, Thread>();
        async Task Body(StageContext c, CancellationToken ct)
        {
            var before = Thread.CurrentThread;
            await Task.Delay(10, ct);
            Assert.Same(before, Thread.CurrentThread); // awaits inside a stage come back to its thread
            Assert.False(before.IsThreadPoolThread);
            threads[c.StageName + c.Key] = before;
            FakeStage.WriteDefaultOutput(c, pipeline.Configs[c.StageName]);
        }
        foreach (var (name, _, _) in FakePipeline.Shape) pipeline.Bodies[name] = Body;

        await new PipelineRunner(new PipelineRunnerOptions { CacheRoot = pipeline.CacheRoot, Jobs = 2 }).RunAllAsync(TwoVariants(pipeline), null);

        // 9 builds: the two variants' reports turn out to have one key once their inputs are known.
        Assert.Equal(9, threads.Count);
        Assert.Equal(threads.Count, threads.Values.Distinct().Count());
        foreach (var thread in threads.Values) Assert.True(thread.Join(TimeSpan.FromSeconds(10)), $"{thread.Name} still runs after its stage");
    }

    [Fact]
    public async Task A_failed_stage_stops_new_stages_and_keeps_its_log_in_the_work_directory()
    {
        using var pipeline = new FakePipeline();
        pipeline.Bodies["merge"] = (c, _) =>
        {
            c.Reporter.Info("merging the adapter");
            throw new InvalidOperationException("merge broke");
        };
        var logs = new List<string>();
        var options = new PipelineRunnerOptions
        {
            CacheRoot = pipeline.CacheRoot, Jobs = 2,
            StageLogs = path => { logs.Add(path); return new FileLoggerFactory(path); },
        };

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => new PipelineRunner(options).RunAllAsync(TwoVariants(pipeline), null));

        Assert.Equal("merge broke", e.Message);
        Assert.Equal(0, pipeline.Stages["export-tuned"].Runs);
        var work = Directory.GetDirectories(pipeline.Cache.KindDirectory("merge"), StageCache.WorkPrefix + "*").Single();
        var kept = File.ReadAllText(Path.Combine(work, StageLog.FileName));
        Assert.Contains("merging the adapter", kept);
        Assert.Contains("merge broke", kept);
        // The train stage's log was published with its output, and is not hashed.
        var train = pipeline.Cache.TryGetEntry("train", ExecutionPlanner.Plan(TwoVariants(pipeline), pipeline.Cache).ByExperiment["x@shots=0"]["train"].Identity)!;
        Assert.True(File.Exists(Path.Combine(train.Directory, StageLog.FileName)));
        Assert.DoesNotContain(train.Record.Outputs.Keys, k => k.Contains(StageLog.FileName));
    }

    [Fact]
    public void A_Slurm_job_script_carries_the_resources_dependencies_and_the_command()
    {
        var spec = new SlurmJobSpec("medtune-train-x", ["/opt/medtune", "stage", "run", "/data/exp x.yaml", "--stage", "train"],
            new MedTune.Manifest.StageResources { Partition = "gpu", Gpus = 1, Cpus = 8, Mem = "64G", Time = "04:00:00", Account = "med", Sbatch = ["--qos=high"] },
            "/cache/.slurm/logs/x-train-%j.log", "/data");

        var script = spec.Script(["11", "12"]);

        Assert.Equal("""
            #!/bin/sh
            #SBATCH --job-name=medtune-train-x
            #SBATCH --output=/cache/.slurm/logs/x-train-%j.log
            #SBATCH --chdir=/data
            #SBATCH --partition=gpu
            #SBATCH --account=med
            #SBATCH --gpus=1
            #SBATCH --cpus-per-task=8
            #SBATCH --mem=64G
            #SBATCH --time=04:00:00
            #SBATCH --dependency=afterok:11:12
            #SBATCH --kill-on-invalid-dep=yes
            #SBATCH --qos=high
            exec /opt/medtune stage run '/data/exp x.yaml' --stage train

            """.Replace("\r\n", "\n"), script);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current) { }
    }

    /// <summary>A minimal MEL factory writing "LEVEL message" lines to a file (the tool plugs in Serilog's file sink).</summary>
    private sealed class FileLoggerFactory(string path) : Microsoft.Extensions.Logging.ILoggerFactory
    {
        private readonly StreamWriter writer = new(path) { AutoFlush = true };
        public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => new Logger(writer);
        public void AddProvider(Microsoft.Extensions.Logging.ILoggerProvider provider) { }
        public void Dispose() => writer.Dispose();

        private sealed class Logger(StreamWriter writer) : Microsoft.Extensions.Logging.ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;
            public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (writer) writer.WriteLine($"{logLevel} {formatter(state, exception)} {exception?.Message}");
            }
        }
    }
}
