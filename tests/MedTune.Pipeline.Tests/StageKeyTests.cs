using System.Text.Json.Nodes;

namespace MedTune.Pipeline.Tests;

public class StageKeyTests
{
    private static StageKeyInputs Inputs(string config, int seed = 42, string dataHash = "aa", string upstreamHash = "bb") =>
        new("train", 1, JsonNode.Parse(config)!, seed,
            new Dictionary<string, string> { ["datasets.train[0]"] = dataHash },
            new Dictionary<string, string> { ["base"] = upstreamHash });

    [Fact]
    public void Key_is_stable_across_key_order_and_number_spelling()
    {
        var a = Inputs("""{"train":{"learning_rate":0.0003,"epochs":1},"lora":{"alpha":16.0}}""").ComputeKey();
        var b = Inputs("""{"lora":{"alpha":16},"train":{"epochs":1e0,"learning_rate":3e-4}}""").ComputeKey();
        Assert.Equal(a, b);
        Assert.Matches("^[0-9a-f]{64}$", a);
    }

    [Fact]
    public void Key_changes_with_every_component()
    {
        var baseline = Inputs("""{"train":{"learning_rate":0.0003}}""");
        var keys = new[]
        {
            baseline.ComputeKey(),
            Inputs("""{"train":{"learning_rate":0.001}}""").ComputeKey(),
            Inputs("""{"train":{"learning_rate":0.0003}}""", seed: 1).ComputeKey(),
            Inputs("""{"train":{"learning_rate":0.0003}}""", dataHash: "cc").ComputeKey(),
            Inputs("""{"train":{"learning_rate":0.0003}}""", upstreamHash: "cc").ComputeKey(),
            (baseline with { ImplementationVersion = 2 }).ComputeKey(),
            (baseline with { Kind = "merge" }).ComputeKey(),
        };
        Assert.Equal(keys.Length, keys.Distinct().Count());
    }

    [Fact]
    public void Describes_why_a_key_changed()
    {
        var before = Inputs("""{"train":{"learning_rate":0.0003,"epochs":1,"modules":["q_proj"]}}""");
        var after = Inputs("""{"train":{"learning_rate":0.001,"warmup":10,"modules":["q_proj","v_proj"]}}""", seed: 7, dataHash: "cc", upstreamHash: "dd")
            with { ImplementationVersion = 2 };
        Assert.Equal(
        [
            "implementation version changed 1 -> 2 (stage code changed)",
            "seed changed 42 -> 7",
            "config.train.epochs removed (was 1)",
            "config.train.learning_rate changed 0.0003 -> 0.001",
            "config.train.modules[1] added (\"v_proj\")",
            "config.train.warmup added (10)",
            "input datasets.train[0] changed",
            "upstream base output changed",
        ], after.DescribeChangesSince(before));
    }
}
