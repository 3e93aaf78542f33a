using MedTune.Testing;

namespace MedTune.Pipeline.Tests;

public class LockFileTests
{
    [Fact]
    public async Task Lock_file_format_is_stable()
    {
        using var pipeline = new FakePipeline();
        var result = await pipeline.RunAsync(until: "merge");
        var text = LockFile.FromRun("quickstart", result).ToText();
        Assert.EndsWith("}\n", text);
        Assert.DoesNotContain("\r", text);
        Snapshot.Match(text.Split('\n'));
    }

    [Fact]
    public async Task Lock_file_round_trips_byte_for_byte()
    {
        using var pipeline = new FakePipeline();
        var result = await pipeline.RunAsync();
        var path = Path.Combine(pipeline.Root, "quickstart.lock.json");
        var lockFile = LockFile.FromRun("quickstart", result);
        lockFile.Write(path);
        var read = LockFile.Read(path);
        Assert.Equal(File.ReadAllText(path), read.ToText());
        Assert.Equal(result["report"].Key, read.Stages["report"].Key);
        Assert.Equal(result["train"].Record.ToKeyInputs().ComputeKey(), read.Stages["train"].ToKeyInputs().ComputeKey());
        Assert.Equal(LockFile.PathFor(pipeline.Root, "quickstart"), path);
    }

    [Fact]
    public async Task Partial_run_keeps_other_stages_from_the_previous_lock_and_drops_removed_stages()
    {
        using var pipeline = new FakePipeline();
        var full = LockFile.FromRun("e", await pipeline.RunAsync());
        full.Stages["retired-stage"] = full.Stages["report"];
        pipeline.Configs["train"]["train"]!["epochs"] = 2;
        var partial = await pipeline.RunAsync(until: "train");
        var updated = LockFile.FromRun("e", partial, full);
        Assert.Equal(partial["train"].Key, updated.Stages["train"].Key);
        Assert.Equal(full.Stages["report"].Key, updated.Stages["report"].Key);
        Assert.False(updated.Stages.ContainsKey("retired-stage"));
    }

    [Fact]
    public void Malformed_lock_file_is_a_clear_error_naming_the_file_and_line()
    {
        using var dir = new TempDirectory();
        var path = dir.File("x.lock.json");
        File.WriteAllText(path, "{\n  \"experiment\": \"x\",\n  \"stages\": {\n    \"train\": {\"kind\": 3}\n  }\n}\n");
        var error = Assert.Throws<InvalidDataException>(() => LockFile.Read(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("line 4", error.Message);
        Assert.Contains("delete the lock file", error.Message);

        File.WriteAllText(path, "{\"schema_version\": 99, \"experiment\": \"x\"}");
        Assert.Contains("schema_version 99", Assert.Throws<InvalidDataException>(() => LockFile.Read(path)).Message);
        Assert.Null(LockFile.TryRead(dir.File("absent.lock.json")));
    }
}
