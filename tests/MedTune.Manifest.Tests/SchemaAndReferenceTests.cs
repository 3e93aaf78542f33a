using System.Text.Json.Nodes;
using MedTune.Testing;

namespace MedTune.Manifest.Tests;

public sealed class SchemaAndReferenceTests
{
    private static JsonNode Schema => JsonNode.Parse(ManifestSchema.Generate())!;

    [Fact]
    public void Schema_is_draft_2020_12_with_closed_objects()
    {
        var schema = Schema;

        Assert.Equal("https://json-schema.org/draft/2020-12/schema", (string?)schema["$schema"]);
        Assert.Equal(new[] { "name" }, schema["required"]!.AsArray().Select(n => (string?)n));
        var objects = Descendants(schema).OfType<JsonObject>().Where(o => o["type"] is JsonValue t && (string?)t == "object").ToList();
        Assert.True(objects.Count >= 10);
        Assert.All(objects, o => Assert.False((bool)o["additionalProperties"]!));
        Assert.All(objects, o => Assert.All(o["properties"]!.AsObject(), p => Assert.NotNull(p.Value!["description"])));
    }

    [Fact]
    public void Schema_carries_ranges_enums_and_defaults()
    {
        var props = Schema["properties"]!;
        var lora = props["lora"]!["properties"]!;

        Assert.Equal(1, (int)lora["r"]!["minimum"]!);
        Assert.Equal(8, (int)lora["r"]!["default"]!);
        Assert.Equal(0, (int)lora["alpha"]!["exclusiveMinimum"]!);
        Assert.Equal(1, (int)lora["dropout"]!["exclusiveMaximum"]!);
        Assert.Equal(["constant", "linear", "cosine"], props["train"]!["properties"]!["scheduler"]!["enum"]!.AsArray().Select(n => (string)n!));
        Assert.Equal(["base", "tuned"], props["evaluate"]!["properties"]!["models"]!["items"]!["enum"]!.AsArray().Select(n => (string)n!));
        Assert.Equal(new[] { "integer", "null" }, props["train"]!["properties"]!["max_steps"]!["type"]!.AsArray().Select(n => (string?)n));
        Assert.Equal("#/$defs/DatasetSpec", (string?)props["datasets"]!["properties"]!["eval"]!["items"]!["$ref"]);
        Assert.Equal(new[] { "path" }, Schema["$defs"]!["DatasetSpec"]!["required"]!.AsArray().Select(n => (string?)n));
    }

    [Fact]
    public void Schema_snapshot()
    {
        Snapshot.Match(ManifestSchema.Generate().Split('\n'));
    }

    [Fact]
    public void Reference_lists_every_key_once_with_its_default()
    {
        var rows = ManifestDefaults.Describe();

        Assert.Equal(rows.Count, rows.Select(r => r.KeyPath).Distinct().Count());
        Assert.Contains(rows, r => r is { KeyPath: "lora.r", Type: "integer", Default: "8", Constraints: "at least 1" });
        Assert.Contains(rows, r => r is { KeyPath: "lora.dropout", Default: "0.05", Constraints: "in the range [0, 1)" });
        Assert.Contains(rows, r => r is { KeyPath: "train.learning_rate", Default: "0.0003" });
        Assert.Contains(rows, r => r is { KeyPath: "datasets.train[].path", Constraints: "required; path relative to the manifest; ${VAR} expanded" });
        Assert.Contains(rows, r => r is { KeyPath: "evaluate.decoding.max_new_tokens", Default: "32" });
        Assert.DoesNotContain(rows, r => r.KeyPath.StartsWith("datasets.eval[]."));
        Assert.DoesNotContain(rows, r => r.KeyPath.Contains("resolved") || r.KeyPath.Contains("manifest_path"));
    }

    /// <summary>docs/manifest.md is generated; regenerate with MEDTUNE_UPDATE_DOCS=1.</summary>
    [Fact]
    public void Docs_manifest_reference_is_up_to_date()
    {
        var path = Path.Combine(SharedData.RepoRoot, "docs", "manifest.md");
        var expected = ManifestDefaults.ToMarkdown();
        if (Environment.GetEnvironmentVariable("MEDTUNE_UPDATE_DOCS") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path + ".tmp", expected);
            File.Move(path + ".tmp", path, overwrite: true);
        }

        Assert.True(File.Exists(path), $"{path} is missing: run MEDTUNE_UPDATE_DOCS=1 dotnet test tests/MedTune.Manifest.Tests");
        Assert.True(expected == File.ReadAllText(path).Replace("\r\n", "\n"),
            "docs/manifest.md is out of date with ExperimentManifest.cs: run MEDTUNE_UPDATE_DOCS=1 dotnet test tests/MedTune.Manifest.Tests");
    }

    private static IEnumerable<JsonNode> Descendants(JsonNode node)
    {
        yield return node;
        IEnumerable<JsonNode?> children = node switch
        {
            JsonObject o => o.Select(p => p.Value),
            JsonArray a => a,
            _ => [],
        };
        foreach (var child in children.OfType<JsonNode>())
            foreach (var d in Descendants(child)) yield return d;
    }
}
