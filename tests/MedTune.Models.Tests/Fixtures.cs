using System.Text.Json.Nodes;
using MedTune.Testing;

namespace MedTune.Models.Tests;

/// <summary>
/// Tiny checkpoints committed under Fixtures/: config.json and inputs.json are hand-written, model.safetensors is
/// <see cref="SeededWeights"/> output for inputs.json's seed, reference.json comes from eng/reference/hf_reference.py.
/// </summary>
public static class Fixtures
{
    public static readonly TheoryData<string> Names = new() { "tiny-llama-gqa", "tiny-neox", "tiny-neox-sequential-tied" };

    public static string Directory(string name) =>
        Path.Combine(SharedData.RepoRoot, "tests", "MedTune.Models.Tests", "Fixtures", name);

    public static JsonObject Inputs(string name) => Read(name, "inputs.json");

    public static JsonObject Reference(string name) => Read(name, "reference.json");

    public static int Seed(string name) => Inputs(name)["seed"]!.GetValue<int>();

    private static JsonObject Read(string name, string file) =>
        (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(Directory(name), file)))!;

    public static long[][] Ints(JsonNode node) =>
        node.AsArray().Select(row => row!.AsArray().Select(v => v!.GetValue<long>()).ToArray()).ToArray();
}
