using MedTune.Pipeline;
using System.Text.Json.Nodes;
using MedTune.Testing;

namespace MedTune.Manifest.Tests;

public sealed class CanonicalJsonTests : IDisposable
{
    private readonly ManifestFixture _fixture = new();

    private const string Original = """
        name: canonical
        lora:
          r: 16
          alpha: 32
          dropout: 0.05
          target_modules: [q_proj, v_proj]
        train:
          learning_rate: 3e-4
          max_steps: 300
        datasets:
          train:
            - path: data/train.jsonl
          eval:
            - path: data/exam.jsonl
              filters: {text_only: true, choices: 5}
        evaluate:
          decoding: {strategy: greedy, max_new_tokens: 24}
        """;

    // The same settings: keys reordered, quoting changed, flow/block style swapped, numbers respelt, comments added.
    private const string Reformatted = """
        # same experiment, written differently
        datasets:
          eval: [{filters: {choices: 5, text_only: true}, path: 'data/exam.jsonl'}]
          train: [{path: "data/train.jsonl"}]
        evaluate:
          decoding:
            max_new_tokens: 24
            strategy: "greedy"
        train: {max_steps: +300, learning_rate: 0.0003}
        lora:
          target_modules:
            - q_proj
            - "v_proj"
          dropout: 5.0e-2
          alpha: 32.0
          r: 16   # rank
        name: "canonical"
        """;

    [Fact]
    public void Reformatting_the_yaml_gives_identical_canonical_json()
    {
        var a = Canonical(_fixture.Load(Original));
        var b = Canonical(_fixture.Load(Reformatted));

        Assert.Equal(a, b);
    }

    [Fact]
    public void A_changed_value_changes_the_canonical_json()
    {
        var a = Canonical(_fixture.Load(Original));
        var b = Canonical(_fixture.Load(Original.Replace("learning_rate: 3e-4", "learning_rate: 3.1e-4")));

        Assert.NotEqual(a, b);
    }

    [Fact]
    public void Writing_a_default_explicitly_gives_the_same_canonical_json()
    {
        var a = Canonical(_fixture.Load(Original));
        var b = Canonical(_fixture.Load(Original.Replace("  max_steps: 300", "  max_steps: 300\n  scheduler: cosine\n  epochs: 3")));

        Assert.Equal(a, b);
    }

    [Fact]
    public void Canonical_json_has_sorted_snake_case_keys_and_defaults()
    {
        Snapshot.Match(_fixture.Load(Original).ToCanonicalJson().ToJsonString(new() { WriteIndented = true }).Split('\n'));
    }

    [Fact]
    public void Sections_serialise_on_their_own()
    {
        var lora = ManifestJson.Section(_fixture.Load(Original).Lora);

        Assert.Equal("""{"alpha":32,"dropout":0.05,"r":16,"target_modules":["q_proj","v_proj"],"use_rslora":false}""",
            CanonicalJson.Serialize(lora));
    }

    [Fact]
    public void Paths_can_be_left_out_for_content_hashed_cache_keys()
    {
        var m = _fixture.Load(Original.Replace("name: canonical", "name: canonical\nmodel: {base: models/tiny}"));

        var datasets = CanonicalJson.Serialize(ManifestJson.Section(m.Datasets, withPaths: false));
        var model = ManifestJson.Section(m.Model, withPaths: false);

        Assert.DoesNotContain("path", datasets);
        Assert.Contains("\"name\":\"exam\"", datasets);
        Assert.False(model.ContainsKey("base"));
        Assert.Equal("models/tiny", (string?)ManifestJson.Section(m.Model)["base"]);
    }

    [Fact]
    public void Canonical_string_sorts_keys_of_any_json()
    {
        var node = JsonNode.Parse("""{"b": {"z": 1, "a": [3, {"y": 0.00030, "x": 1e3}]}, "a": null}""");

        Assert.Equal("""{"a":null,"b":{"a":[3,{"x":1000,"y":0.0003}],"z":1}}""", CanonicalJson.Serialize(node));
    }

    /// <summary>The canonical JSON is itself a valid manifest (JSON is YAML): it loads back to the same JSON, so every default passes validation.</summary>
    [Fact]
    public void Canonical_json_loads_back_to_itself()
    {
        var first = _fixture.Load(Original).ToCanonicalJson();
        var second = _fixture.Load(first.ToJsonString()).ToCanonicalJson();

        Assert.Equal(CanonicalJson.Serialize(first), CanonicalJson.Serialize(second));
    }

    private static string Canonical(ExperimentManifest m) => CanonicalJson.Serialize(m.ToCanonicalJson());

    public void Dispose() => _fixture.Dispose();
}
