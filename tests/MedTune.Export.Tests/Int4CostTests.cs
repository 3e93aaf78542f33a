using MedTune.Manifest;
using MedTune.Models;
using MedTune.Pipeline;
using MedTune.Testing;

namespace MedTune.Export.Tests;

public sealed class Int4CostTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Theory]
    [InlineData("tiny-llama")]
    [InlineData("tiny-neox")]
    public async Task Int4_export_measures_its_cost_against_fp32_deterministically(string builtin)
    {
        using var work = new TempDirectory();
        BuiltinModels.Create(builtin, work.File("model"), 3);
        var manifest = new ExperimentManifest { Name = "t", Export = new ExportSection { Opset = 17, Precision = "int4" } };
        var first = await RunStage(manifest, work, "out1");
        var second = await RunStage(manifest, work, "out2");

        var bytes = File.ReadAllBytes(Path.Combine(first.OutputDirectory, Int4Cost.FileName));
        Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(second.OutputDirectory, Int4Cost.FileName)));
        Assert.False(Directory.Exists(Path.Combine(first.WorkDirectory, "int4-reference")));
        var cost = Int4Cost.TryRead(first.OutputDirectory)!;
        output.WriteLine($"{builtin}: {cost}");
        Assert.Equal(Int4Cost.BuiltinPrompts.Count, cost.Prompts);
        Assert.True(cost.Positions > Int4Cost.BuiltinPrompts.Count * Int4Cost.GreedyTokens);
        // 4-bit weights do change the logits, but not beyond recognition.
        Assert.InRange(cost.MaxLogitDifference, 1e-4, 10);
        Assert.InRange(cost.GreedyAgreement, 0.5, 1.0);
        Assert.True(double.IsFinite(cost.ReferencePerplexity) && cost.ReferencePerplexity > 1);
        Assert.NotEqual(cost.ReferencePerplexity, cost.Int4Perplexity);
        Assert.Equal(cost.MaxLogitDifference, first.RecordFacts["int4_cost"]!["max_logit_difference"]!.GetValue<double>());
    }

    [Fact]
    public async Task Fp32_export_writes_no_cost_file()
    {
        using var work = new TempDirectory();
        BuiltinModels.Create("tiny-llama", work.File("model"), 3);
        var manifest = new ExperimentManifest { Name = "t", Export = new ExportSection { Opset = 17, Precision = "fp32" } };
        var context = await RunStage(manifest, work, "out");
        Assert.Null(Int4Cost.TryRead(context.OutputDirectory));
        Assert.False(context.RecordFacts.ContainsKey("int4_cost"));
    }

    private static async Task<StageContext> RunStage(ExperimentManifest manifest, TempDirectory work, string output)
    {
        Directory.CreateDirectory(work.File(output));
        var context = new StageContext
        {
            StageName = "export-tuned", Key = "k", OutputDirectory = work.File(output), WorkDirectory = work.File(output + "-work"),
            UpstreamOutputs = new Dictionary<string, string> { ["merge"] = work.File("model") }, Seed = 1,
            Reporter = SilentStageReporter.Instance,
        };
        await new ExportStage(manifest, ModelReference.FromStage("merge"), "{{ .Prompt }}", []).RunAsync(context, CancellationToken.None);
        return context;
    }
}
