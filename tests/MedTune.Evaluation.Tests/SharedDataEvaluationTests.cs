using MedTune.Manifest;
using MedTune.Pipeline;
using MedTune.Scoring.Output;
using MedTune.Testing;

namespace MedTune.Evaluation.Tests;

/// <summary>The paper's IgakuQA filter on the real data, with a generator that always answers the first option.</summary>
[Trait("Category", "SharedData")]
public class SharedDataEvaluationTests
{
    [Fact]
    public async Task Paper_filter_on_igakuqa_states_1455_of_2000_and_breaks_down_by_year()
    {
        using var temp = new TempDirectory();
        var igakuqa = SharedData.Require("igakuqa");
        var manifest = new ExperimentManifest
        {
            Datasets = new DatasetsSection
            {
                Eval = [new DatasetSpec { Name = "igakuqa", Path = igakuqa, ResolvedPath = igakuqa, Format = "exam", Filters = new DatasetFilters { TextOnly = true, Choices = 5 } }],
            },
            Evaluate = new EvaluateSection { BootstrapResamples = 20, BatchSize = 64 },
        };
        var output = Directory.CreateDirectory(temp.File("out")).FullName;
        var stage = new EvaluateStage(manifest, "export-base", "base", (_, _) => new FakeTextGenerator(prompt =>
        {
            int at = prompt.LastIndexOf("\na: ", StringComparison.Ordinal) + 4;
            return prompt[at..prompt.IndexOf('\n', at)]; // the first option's text
        }));
        var context = new StageContext
        {
            StageName = "evaluate-base", Key = "k", OutputDirectory = output, WorkDirectory = temp.File("work"),
            UpstreamOutputs = new Dictionary<string, string> { ["export-base"] = temp.Path }, Seed = 42, Reporter = SilentStageReporter.Instance,
        };

        await stage.RunAsync(context, CancellationToken.None);

        var scores = ScoreReportJson.Deserialize(File.ReadAllText(Path.Combine(output, "scores", "igakuqa.json")));
        Assert.Equal(1455, scores.N);
        Assert.EndsWith("1455 of 2000 questions", scores.Filter);
        Assert.Equal(["2018", "2019", "2020", "2021", "2022"], scores.Breakdowns.Year.Keys);
        Assert.NotEmpty(scores.Breakdowns.Category);
        // Always answering "a" is exactly right on single-answer questions whose gold is a.
        var lines = File.ReadAllLines(Path.Combine(output, "predictions", "igakuqa.jsonl"));
        Assert.Equal(1455, lines.Length);
        Assert.InRange(scores.Summary["exact_match"].Mean, 0.05, 0.4);
    }
}
