using System.Text.Json.Nodes;

namespace MedTune.Pipeline.Tests;

public class PipelineRunnerTests
{
    private static readonly string[] Downstream = ["merge", "export-tuned", "evaluate-tuned", "report"];

    [Fact]
    public async Task First_run_runs_everything_in_dependency_order_second_run_reuses_everything()
    {
        using var pipeline = new FakePipeline();
        var first = await pipeline.RunAsync();
        Assert.Equal(["train", "merge", "export-tuned", "export-base", "evaluate-tuned", "evaluate-base", "report"], first.Stages.Select(s => s.Name));
        Assert.All(first.Stages, s => Assert.Equal(StageRunStatus.Ran, s.Status));

        var reporter = new RecordingReporter();
        var second = await pipeline.RunAsync(reporter: reporter);
        Assert.All(second.Stages, s => Assert.Equal(StageRunStatus.Cached, s.Status));
        Assert.All(pipeline.Stages.Values, s => Assert.Equal(1, s.Runs));
        Assert.Equal(pipeline.Keys(first), pipeline.Keys(second));
        Assert.Contains(reporter.Messages, m => m.StartsWith("report: cached", StringComparison.Ordinal));
        Assert.Equal(first["report"].OutputHash, second["report"].OutputHash);
    }

    [Fact]
    public async Task Published_entry_holds_outputs_and_a_record_and_work_directory_is_gone()
    {
        using var pipeline = new FakePipeline();
        var result = await pipeline.RunAsync(until: "merge");
        var merge = result["merge"];
        Assert.Equal(pipeline.Cache.EntryDirectory("merge", merge.Key), merge.OutputDirectory);
        Assert.Contains("train: ", File.ReadAllText(Path.Combine(merge.OutputDirectory, "result.txt")));
        Assert.False(Directory.Exists(pipeline.Cache.WorkDirectory("merge", merge.Key)));
        Assert.Empty(Directory.EnumerateDirectories(pipeline.Cache.KindDirectory("merge"), ".tmp-*"));

        var record = StageRecord.Read(Path.Combine(merge.OutputDirectory, StageCache.RecordFileName));
        Assert.Equal("merge", record.Stage);
        Assert.Equal(merge.Key, record.Key);
        Assert.Equal(merge.OutputHash, record.OutputHash);
        Assert.Equal(ContentHasher.Uncached.HashDirectory(merge.OutputDirectory), record.OutputHash);
        Assert.Equal(["result.txt", "sub/data.bin"], record.Outputs.Keys);
        Assert.Equal(4, record.Outputs["sub/data.bin"].Size);
        Assert.Equal(result["train"].Key, record.Upstream["train"].Key);
        Assert.Equal(3, record.Facts["examples"]!.GetValue<int>());
        Assert.Equal(42, record.Seed);
        Assert.True(record.FinishedAt >= record.StartedAt);
        Assert.True(record.Environment.CpuCores > 0);
        Assert.False(string.IsNullOrEmpty(record.Environment.Gpu));
        Assert.Equal("not a git repository", record.Environment.Git.Commit);
        Assert.StartsWith(".NET", record.Environment.DotnetRuntime);

        var train = StageRecord.Read(Path.Combine(result["train"].OutputDirectory, StageCache.RecordFileName));
        Assert.Equal(pipeline.TrainData, train.Inputs["datasets.train[0]"].Path);
        Assert.Equal(ContentHasher.Uncached.HashFile(pipeline.TrainData), train.Inputs["datasets.train[0]"].Sha256);
    }

    [Fact]
    public async Task Config_change_invalidates_the_stage_and_its_descendants_only()
    {
        using var pipeline = new FakePipeline();
        var before = pipeline.Keys(await pipeline.RunAsync());
        pipeline.Configs["merge"]["merge"]!["dtype"] = "bfloat16";
        var result = await pipeline.RunAsync();
        var after = pipeline.Keys(result);

        foreach (var name in Downstream) Assert.NotEqual(before[name], after[name]);
        foreach (var name in new[] { "train", "export-base", "evaluate-base" })
        {
            Assert.Equal(before[name], after[name]);
            Assert.Equal(StageRunStatus.Cached, result[name].Status);
        }
        Assert.Equal(2, pipeline.Stages["merge"].Runs);
        Assert.Equal(1, pipeline.Stages["train"].Runs);
    }

    [Fact]
    public async Task Report_config_change_invalidates_only_report()
    {
        using var pipeline = new FakePipeline();
        var before = pipeline.Keys(await pipeline.RunAsync());
        pipeline.Configs["report"]["report"]!["title"] = "Another title";
        var result = await pipeline.RunAsync();
        Assert.Equal([("report", StageRunStatus.Ran)],
            result.Stages.Where(s => s.Status == StageRunStatus.Ran).Select(s => (s.Name, s.Status)));
        Assert.NotEqual(before["report"], result["report"].Key);
    }

    [Fact]
    public async Task Number_spelling_and_key_order_in_config_do_not_invalidate()
    {
        using var pipeline = new FakePipeline();
        var before = pipeline.Keys(await pipeline.RunAsync());
        pipeline.Configs["train"] = JsonNode.Parse("""{"train":{"epochs":1.0,"learning_rate":3e-4}}""")!;
        var result = await pipeline.RunAsync();
        Assert.Equal(before, pipeline.Keys(result));
        Assert.All(result.Stages, s => Assert.Equal(StageRunStatus.Cached, s.Status));
    }

    [Fact]
    public async Task Input_file_content_change_invalidates_train_and_descendants()
    {
        using var pipeline = new FakePipeline();
        pipeline.Bodies["train"] = (context, _) =>
        {
            File.WriteAllText(Path.Combine(context.OutputDirectory, "result.txt"), "trained on " + File.ReadAllText(pipeline.TrainData));
            return Task.CompletedTask;
        };
        var before = pipeline.Keys(await pipeline.RunAsync());
        File.AppendAllText(pipeline.TrainData, "{\"instruction\":\"追加\",\"output\":\"x\"}\n");
        var after = pipeline.Keys(await pipeline.RunAsync());
        Assert.NotEqual(before["train"], after["train"]);
        Assert.NotEqual(before["report"], after["report"]);
        Assert.Equal(before["export-base"], after["export-base"]);
    }

    [Fact]
    public async Task Stage_rerun_with_identical_output_does_not_invalidate_descendants()
    {
        using var pipeline = new FakePipeline(); // the default train output ignores the data file's content
        var before = pipeline.Keys(await pipeline.RunAsync());
        File.AppendAllText(pipeline.TrainData, "{\"instruction\":\"追加\",\"output\":\"x\"}\n");
        var result = await pipeline.RunAsync();
        Assert.NotEqual(before["train"], result["train"].Key);
        Assert.Equal(StageRunStatus.Ran, result["train"].Status);
        Assert.Equal(before["merge"], result["merge"].Key);
        Assert.Equal(StageRunStatus.Cached, result["merge"].Status);
    }

    [Fact]
    public async Task Moving_the_experiment_does_not_invalidate_because_inputs_are_keyed_by_logical_name()
    {
        using var pipeline = new FakePipeline();
        var before = pipeline.Keys(await pipeline.RunAsync());
        using var elsewhere = new MedTune.Testing.TempDirectory();
        var moved = Path.Combine(elsewhere.Path, "train.jsonl");
        File.Copy(pipeline.TrainData, moved);
        var definitions = pipeline.Definitions().Select(d => d.Name == "train" ? d with { InputPaths = [moved] } : d).ToList();
        var result = await new PipelineRunner(new PipelineRunnerOptions { CacheRoot = pipeline.CacheRoot, Seed = 42 }).RunAsync(definitions);
        Assert.Equal(before, pipeline.Keys(result));
    }

    [Fact]
    public async Task Seed_and_implementation_version_are_part_of_the_key()
    {
        using var pipeline = new FakePipeline();
        var before = pipeline.Keys(await pipeline.RunAsync());
        pipeline.ImplementationVersions["export-tuned"] = 2;
        var after = pipeline.Keys(await pipeline.RunAsync());
        Assert.NotEqual(before["export-tuned"], after["export-tuned"]);
        Assert.Equal(before["export-base"], after["export-base"]); // a separate stage object, still version 1
        Assert.Equal(before["train"], after["train"]);

        var reseeded = await new PipelineRunner(new PipelineRunnerOptions { CacheRoot = pipeline.CacheRoot, Seed = 7 }).RunAsync(pipeline.Definitions());
        Assert.NotEqual(after["train"], reseeded["train"].Key);
    }

    [Fact]
    public async Task Force_reruns_the_named_stage_or_kind_and_replaces_its_entry()
    {
        using var pipeline = new FakePipeline();
        var first = await pipeline.RunAsync();
        var result = await pipeline.RunAsync(force: ["merge", "evaluate"]); // a name and a kind
        Assert.Equal(["merge", "evaluate-tuned", "evaluate-base"], result.Stages.Where(s => s.Status == StageRunStatus.Ran).Select(s => s.Name));
        Assert.Equal(2, pipeline.Stages["merge"].Runs);
        Assert.Equal(first["merge"].Key, result["merge"].Key);
        Assert.NotNull(pipeline.Cache.TryGetEntry("merge", result["merge"].Key));
        Assert.Empty(Directory.EnumerateDirectories(pipeline.Cache.KindDirectory("merge"), ".*"));
    }

    [Fact]
    public async Task Until_runs_only_the_target_and_its_ancestors()
    {
        using var pipeline = new FakePipeline();
        var byName = await pipeline.RunAsync(until: "export-tuned");
        Assert.Equal(["train", "merge", "export-tuned"], byName.Stages.Select(s => s.Name));
        var byKind = await pipeline.RunAsync(until: "evaluate");
        Assert.Equal(["train", "merge", "export-tuned", "export-base", "evaluate-tuned", "evaluate-base"], byKind.Stages.Select(s => s.Name));
        Assert.Equal(0, pipeline.Stages["report"].Runs);
    }

    [Fact]
    public async Task Unknown_until_or_force_target_is_a_clear_error()
    {
        using var pipeline = new FakePipeline();
        var until = await Assert.ThrowsAsync<PipelineDefinitionException>(() => pipeline.RunAsync(until: "evaluation"));
        Assert.Contains("--until 'evaluation' is neither a stage name", until.Message);
        Assert.Contains("evaluate-base", until.Message);
        var force = await Assert.ThrowsAsync<PipelineDefinitionException>(() => pipeline.RunAsync(force: ["nope"]));
        Assert.Contains("--force 'nope'", force.Message);
    }

    [Fact]
    public async Task Missing_input_file_names_stage_input_and_path()
    {
        using var pipeline = new FakePipeline();
        File.Delete(pipeline.TrainData);
        var error = await Assert.ThrowsAsync<FileNotFoundException>(() => pipeline.RunAsync());
        Assert.Contains("Stage 'train': input datasets.train[0]", error.Message);
        Assert.Contains(pipeline.TrainData, error.Message);
    }

    [Fact]
    public async Task Stage_that_throws_midway_publishes_nothing_and_keeps_its_work_directory_for_resuming()
    {
        using var pipeline = new FakePipeline();
        string? workDirectory = null;
        pipeline.Bodies["merge"] = (context, _) =>
        {
            workDirectory = context.WorkDirectory;
            File.WriteAllText(Path.Combine(context.WorkDirectory, "checkpoint-1.txt"), "step 1");
            File.WriteAllText(Path.Combine(context.OutputDirectory, "half.bin"), "partial");
            throw new InvalidOperationException("out of memory at step 2");
        };
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => pipeline.RunAsync());
        Assert.Equal("out of memory at step 2", error.Message);
        var left = Directory.EnumerateFileSystemEntries(pipeline.Cache.KindDirectory("merge")).Select(Path.GetFileName).ToList();
        Assert.All(left, name => Assert.Matches("^[.](lock|work)-", name));
        Assert.True(File.Exists(Path.Combine(workDirectory!, "checkpoint-1.txt")));

        // The next run resumes from the work directory, publishes, and deletes the work directory.
        var resumedFrom = "";
        pipeline.Bodies["merge"] = (context, _) =>
        {
            resumedFrom = File.ReadAllText(Path.Combine(context.WorkDirectory, "checkpoint-1.txt"));
            FakeStage.WriteDefaultOutput(context, pipeline.Configs["merge"]);
            return Task.CompletedTask;
        };
        var result = await pipeline.RunAsync();
        Assert.Equal("step 1", resumedFrom);
        Assert.False(Directory.Exists(workDirectory));
        Assert.Equal(StageRunStatus.Ran, result["report"].Status);
    }

    [Fact]
    public async Task Cancellation_leaves_no_complete_looking_entry()
    {
        using var pipeline = new FakePipeline();
        using var cancellation = new CancellationTokenSource();
        pipeline.Bodies["export-tuned"] = async (context, token) =>
        {
            File.WriteAllText(Path.Combine(context.OutputDirectory, "model.onnx"), "half");
            await cancellation.CancelAsync();
            await Task.Delay(Timeout.Infinite, token);
        };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pipeline.RunAsync(cancellationToken: cancellation.Token));
        var exportDirectory = pipeline.Cache.KindDirectory("export");
        Assert.DoesNotContain(Directory.EnumerateDirectories(exportDirectory), d => StageCache.IsKey(Path.GetFileName(d)));
        Assert.Empty(Directory.EnumerateDirectories(exportDirectory, ".tmp-*"));
    }

    [Fact]
    public async Task Leftover_build_directory_from_a_crash_is_removed_by_the_next_run()
    {
        using var pipeline = new FakePipeline();
        var key = (await pipeline.RunAsync(until: "train"))["train"].Key;
        var cache = pipeline.Cache;
        // Simulate a process killed while building the next key: a temp dir with partial output and no record.
        Directory.Delete(cache.EntryDirectory("train", key), recursive: true);
        var abandoned = Path.Combine(cache.KindDirectory("train"), $".tmp-{key}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(abandoned);
        File.WriteAllText(Path.Combine(abandoned, "adapter_model.safetensors"), "partial");
        Assert.Null(cache.TryGetEntry("train", key));

        var reporter = new RecordingReporter();
        var result = await pipeline.RunAsync(until: "train", reporter: reporter);
        Assert.Equal(StageRunStatus.Ran, result["train"].Status);
        Assert.False(Directory.Exists(abandoned));
        Assert.Contains(reporter.Messages, m => m.Contains("removed the unfinished build"));
    }

    [Fact]
    public async Task Entry_directory_without_record_is_not_a_cache_hit()
    {
        using var pipeline = new FakePipeline();
        var key = (await pipeline.RunAsync(until: "train"))["train"].Key;
        File.Delete(Path.Combine(pipeline.Cache.EntryDirectory("train", key), StageCache.RecordFileName));
        var result = await pipeline.RunAsync(until: "train");
        Assert.Equal(StageRunStatus.Ran, result["train"].Status);
        Assert.NotNull(pipeline.Cache.TryGetEntry("train", key));
    }
}

public class StageGraphTests
{
    private static StageDefinition Stage(string name, params string[] dependsOn) =>
        new(name, new FakeStage("train", new JsonObject()), new JsonObject(), [], dependsOn);

    [Fact]
    public void Duplicate_names_are_rejected()
    {
        var error = Assert.Throws<PipelineDefinitionException>(() => StageGraph.Build([Stage("a"), Stage("a")]));
        Assert.Equal("Two stages are named 'a'; stage names must be unique.", error.Message);
    }

    [Fact]
    public void Unknown_dependency_is_rejected()
    {
        var error = Assert.Throws<PipelineDefinitionException>(() => StageGraph.Build([Stage("a"), Stage("b", "c")]));
        Assert.Equal("Stage 'b' depends on unknown stage 'c'. Known stages: a, b.", error.Message);
    }

    [Fact]
    public void Cycles_are_rejected_naming_the_cycle()
    {
        var error = Assert.Throws<PipelineDefinitionException>(() => StageGraph.Build([Stage("a", "c"), Stage("b", "a"), Stage("c", "b")]));
        Assert.Contains("a -> c -> b -> a", error.Message);
        Assert.Throws<PipelineDefinitionException>(() => StageGraph.Build([Stage("a", "a")]));
    }

    [Fact]
    public void Order_puts_dependencies_first_and_keeps_definition_order_otherwise()
    {
        var graph = StageGraph.Build([Stage("report", "eval"), Stage("eval", "train"), Stage("train"), Stage("other")]);
        Assert.Equal(["train", "eval", "report", "other"], graph.Ordered.Select(d => d.Name));
    }

    [Fact]
    public void Input_names_must_match_input_paths()
    {
        var definition = Stage("a") with { InputPaths = ["/x", "/y"], InputNames = ["only-one"] };
        Assert.Throws<PipelineDefinitionException>(() => definition.Inputs);
        Assert.Equal(["inputs[0]", "inputs[1]"], (Stage("a") with { InputPaths = ["/x", "/y"] }).Inputs.Select(i => i.Name));
    }
}
