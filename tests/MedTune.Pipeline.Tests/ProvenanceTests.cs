using System.Text.Json.Nodes;

namespace MedTune.Pipeline.Tests;

public class ProvenanceTests
{
    /// <summary>The fake experiment with a report stage that writes its statement the way the real one does.</summary>
    private static async Task<(FakePipeline Pipeline, string Manifest, string StatementPath, ProvenanceStatement Statement)> Run()
    {
        var pipeline = new FakePipeline();
        var manifest = Path.Combine(pipeline.Root, "experiment.yaml");
        File.WriteAllText(manifest, "name: e\n");
        pipeline.Bodies["report"] = (context, _) =>
        {
            FakeStage.WriteDefaultOutput(context, pipeline.Configs["report"]);
            var facts = new ProvenanceFacts("e", manifest, 42, new Dictionary<string, string> { ["datasets.train[0]"] = "data/train.jsonl" });
            var statement = ProvenanceBuilder.Build(context, "report", facts, DateTimeOffset.UnixEpoch);
            File.WriteAllText(Path.Combine(context.OutputDirectory, ProvenanceStatement.FileName), statement.ToText());
            return Task.CompletedTask;
        };
        var result = await pipeline.RunAsync();
        var path = Path.Combine(result.Stages.Single(s => s.Name == "report").OutputDirectory, ProvenanceStatement.FileName);
        return (pipeline, manifest, path, ProvenanceStatement.Read(path));
    }

    private static IReadOnlyList<ProvenanceCheck> Verify(FakePipeline pipeline, string manifest, ProvenanceStatement statement) =>
        ProvenanceVerifier.Verify(statement, pipeline.Cache, manifest, new Dictionary<string, string> { ["datasets.train[0]"] = pipeline.TrainData });

    [Fact]
    public async Task The_statement_lists_products_and_materials_with_digests_and_verifies()
    {
        var (pipeline, manifest, path, statement) = await Run();
        using var _ = pipeline;

        var json = JsonNode.Parse(File.ReadAllText(path))!;
        Assert.Equal("https://in-toto.io/Statement/v1", (string)json["_type"]!);
        Assert.Equal("https://slsa.dev/provenance/v1", (string)json["predicateType"]!);
        // Products: the report's own files and its direct upstream stages' outputs, named relative to the cache.
        var names = statement.Subject.Select(s => s.Name!).ToList();
        Assert.Contains(names, n => n.StartsWith("report/", StringComparison.Ordinal) && n.EndsWith("/result.txt", StringComparison.Ordinal));
        Assert.Contains(names, n => n.StartsWith("evaluate/", StringComparison.Ordinal) && n.EndsWith("/sub/data.bin", StringComparison.Ordinal));
        Assert.DoesNotContain(names, n => n.Contains(ProvenanceStatement.FileName, StringComparison.Ordinal));
        // Materials: the manifest, the training data found through train (two stages up), the tool; no absolute path.
        var materials = statement.Predicate.BuildDefinition.ResolvedDependencies.ToDictionary(m => m.Name!);
        Assert.Equal("data/train.jsonl", materials["datasets.train[0]"].Uri);
        Assert.Equal(new ContentHasher().HashFile(pipeline.TrainData), materials["datasets.train[0]"].Digest["sha256"]);
        Assert.Equal("experiment.yaml", materials["manifest"].Uri);
        Assert.StartsWith("pkg:nuget/medtune@", materials["medtune"].Uri);
        Assert.DoesNotContain(pipeline.Root, File.ReadAllText(path));
        Assert.Equal(7, statement.Predicate.BuildDefinition.InternalParameters.Count); // every stage key

        Assert.All(Verify(pipeline, manifest, statement), c => Assert.True(c.Ok, $"{c.What} {c.Name}: {c.Detail}"));
    }

    [Fact]
    public async Task A_changed_product_or_input_is_a_mismatch_naming_the_file()
    {
        var (pipeline, manifest, _, statement) = await Run();
        using var _ = pipeline;
        var prediction = statement.Subject.First(s => s.Name!.StartsWith("evaluate/", StringComparison.Ordinal) && s.Name.EndsWith("data.bin", StringComparison.Ordinal)).Name!;
        var file = Path.Combine(pipeline.CacheRoot, prediction);
        File.SetAttributes(file, FileAttributes.Normal);
        File.WriteAllBytes(file, [9, 9, 9]);
        File.AppendAllText(pipeline.TrainData, "{\"instruction\":\"追加\",\"output\":\"x\"}\n");

        var failed = Verify(pipeline, manifest, statement).Where(c => !c.Ok).ToList();

        Assert.Equal(2, failed.Count);
        Assert.Contains(failed, c => c.What == "subject" && c.Name == prediction && c.Detail.Contains(file, StringComparison.Ordinal));
        Assert.Contains(failed, c => c.What == "material" && c.Name == "datasets.train[0]" && c.Detail.Contains(pipeline.TrainData, StringComparison.Ordinal));
    }
}
