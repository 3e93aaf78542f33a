using MedTune.Evaluation;
using MedTune.Export;
using MedTune.Manifest;
using MedTune.Models;
using MedTune.Pipeline;
using MedTune.Testing;
using MedTune.Tool.Experiments;

namespace MedTune.Cli.Tests;

/// <summary>An int4 export measures what quantization costs on the evaluation's own first prompts, and its key says so.</summary>
public sealed class Int4CostPromptsTests
{
    [Fact]
    public async Task An_int4_export_measures_its_cost_on_the_first_evaluation_prompts()
    {
        using var work = new TempDirectory();
        var path = TestExperiments.Quickstart(work.Path, ("evaluate:\n", "export:\n  precision: int4\n  opset: 17\nevaluate:\n"));
        var manifest = ManifestLoader.Load(path);
        var export = ExperimentPlan.Build(manifest).Single(s => s.Name == "export-base");

        // The prompts' file is an input and their description part of the config, so editing either rebuilds the export.
        var expected = EvaluationPromptSample.Describe(manifest);
        Assert.Equal(expected, (string)export.Config["int4_cost_prompts"]!);
        Assert.Contains("quickstart-exam: first 8 questions, 0-shot, alpaca_ja_option_text", expected);
        Assert.Contains("datasets.eval[0]", export.InputNames!);
        var fp32 = ExperimentPlan.Build(ManifestLoader.Load(TestExperiments.Quickstart(work.File("fp32"))))
            .Single(s => s.Name == "export-base");
        Assert.Null(fp32.Config["int4_cost_prompts"]);
        Assert.DoesNotContain("datasets.eval[0]", fp32.InputNames!);

        BuiltinModels.Create("tiny-llama", work.File("base-model"), manifest.Seed);
        var context = new StageContext
        {
            StageName = "export-base", Key = "k", OutputDirectory = work.File("out"), WorkDirectory = work.File("out-work"),
            UpstreamOutputs = new Dictionary<string, string> { ["base-model"] = work.File("base-model") }, Seed = 1,
            Reporter = SilentStageReporter.Instance,
        };
        Directory.CreateDirectory(context.OutputDirectory);
        await export.Stage.RunAsync(context, CancellationToken.None);

        var cost = Int4Cost.TryRead(context.OutputDirectory)!;
        Assert.Equal(expected, cost.PromptSet);
        Assert.Equal(EvaluationPromptSample.Count, cost.Prompts);
        var first = EvaluationPromptSample.Read(manifest)[0];
        var question = File.ReadLines(TestExperiments.QuickstartExam).First();
        Assert.Contains((string)System.Text.Json.Nodes.JsonNode.Parse(question)!["problem_text"]!, first);
    }
}
