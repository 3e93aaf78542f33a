using System.Text.Json.Nodes;
using MedTune.Pipeline;
using MedTune.Testing;

namespace MedTune.Reporting.Tests;

public sealed class ReportStageTests(ReportFixture fixture) : IClassFixture<ReportFixture>
{
    internal static StageContext Context(ReportFixture fixture, string output) => new()
    {
        StageName = "report", Key = "report-key", OutputDirectory = output, WorkDirectory = fixture.NewDirectory("work"),
        UpstreamOutputs = new Dictionary<string, string>
        {
            ["evaluate-base"] = fixture.BaseDirectory, ["evaluate-tuned"] = fixture.TunedDirectory, ["train"] = fixture.TrainDirectory,
        },
        Seed = 42, Reporter = SilentStageReporter.Instance,
    };

    internal static ReportStage Stage(ReportFixture fixture) =>
        new(fixture.Manifest, new Dictionary<string, string> { ["base"] = "evaluate-base", ["tuned"] = "evaluate-tuned" }, "train");

    [Fact]
    public async Task Writes_all_formats_charts_and_provenance_from_upstream_records()
    {
        WriteRecord(fixture.BaseDirectory, "evaluate-base");
        var output = fixture.NewDirectory("report");
        var context = Context(fixture, output);

        await Stage(fixture).RunAsync(context, CancellationToken.None);

        foreach (var file in new[] { "report.md", "report.html", "report.json", "charts/metrics-mini.png", "charts/training-loss.png" })
            Assert.True(File.Exists(Path.Combine(output, file)), file);
        var report = ReportJson.Read(Path.Combine(output, "report.json"));
        var baseStage = report.Provenance.Stages.Single(s => s.Stage == "evaluate-base");
        Assert.Equal("evaluate", baseStage.Kind);
        Assert.Equal(new string('b', 64), baseStage.OutputHash);
        Assert.Equal(new string('e', 64), baseStage.Upstream["export-base"]);
        Assert.Null(report.Provenance.Stages.Single(s => s.Stage == "train").Key); // no record there
        Assert.Equal("name: mini-experiment\nseed: 42\n", report.Provenance.ManifestText);
        Assert.Equal("mini-experiment.yaml", report.Provenance.ManifestPath); // never this machine's absolute path
        foreach (var file in new[] { "report.md", "report.html", "report.json" })
        {
            var text = File.ReadAllText(Path.Combine(output, file));
            Assert.DoesNotContain(Path.GetDirectoryName(fixture.Manifest.ManifestPath)!, text);
            Assert.DoesNotContain(System.Runtime.InteropServices.RuntimeInformation.OSDescription, text);
        }
        Assert.Equal(30, report.Training!.Steps.Count);
        Assert.NotNull(context.RecordFacts["mini.exact_match"]);
        Assert.Equal(ReportFixture.TrainExamples, report.TrainingData!.Examples);
        Assert.Equal("mini-instructions", report.TrainingData.Datasets.Single().Name);
        Assert.Contains(report.TrainingData.Settings, s => s.Name == "learning_rate" && s.Value == "0.0003");
        Assert.Contains("## Training data", File.ReadAllText(Path.Combine(output, "report.md")));
    }

    [Fact]
    public async Task Writes_only_the_requested_formats()
    {
        var manifest = fixture.Manifest;
        var output = fixture.NewDirectory("report-json");
        var stage = new ReportStage(new MedTune.Manifest.ExperimentManifest
        {
            Name = manifest.Name, Seed = manifest.Seed, ManifestPath = manifest.ManifestPath, Evaluate = manifest.Evaluate,
            Report = new MedTune.Manifest.ReportSection { Formats = ["json"] },
        }, new Dictionary<string, string> { ["tuned"] = "evaluate-tuned" }, null);

        await stage.RunAsync(Context(fixture, output), CancellationToken.None);

        // Besides the report, only the unhashed provenance statement (a .medtune- file).
        Assert.Equal([".medtune-provenance.intoto.json", "report.json"], Directory.GetFiles(output).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var report = ReportJson.Read(Path.Combine(output, "report.json"));
        Assert.Equal(["tuned"], report.Models);
        Assert.Empty(report.Datasets[0].Comparisons); // nothing to pair with
        Assert.Equal("mini-experiment", report.Title);
    }

    [Fact]
    public void Config_holds_report_section_bootstrap_resamples_seed_and_training_settings()
    {
        var config = ReportStage.ConfigFor(fixture.Manifest).AsObject();
        Assert.Equal(
            """{"title":"Mini: base vs LoRA（医師国家試験・小テスト）","formats":["md","html","json"]}""",
            config["report"]!.ToJsonString(new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        Assert.Equal(200, (int)config["evaluate"]!["bootstrap_resamples"]!);
        Assert.Equal(42, (int)config["seed"]!);
        // The training section shows these, so a change to them must re-render the report.
        Assert.Equal("0.0003", (string)config["training_settings"]!["learning_rate"]!);

        var baseOnly = new MedTune.Manifest.ExperimentManifest { Name = "b", Evaluate = new MedTune.Manifest.EvaluateSection { Models = ["base"] } };
        Assert.False(ReportStage.ConfigFor(baseOnly).AsObject().ContainsKey("training_settings"));
    }

    [Fact]
    public async Task Unknown_format_is_rejected_naming_the_key()
    {
        var manifest = fixture.Manifest;
        var stage = new ReportStage(new MedTune.Manifest.ExperimentManifest { Name = "x", Report = new MedTune.Manifest.ReportSection { Formats = ["pdf"] } },
            new Dictionary<string, string> { ["base"] = "evaluate-base" }, null);
        var error = await Assert.ThrowsAsync<ArgumentException>(() => stage.RunAsync(Context(fixture, fixture.NewDirectory("r")), CancellationToken.None));
        Assert.Contains("report.formats", error.Message);
    }

    private static void WriteRecord(string directory, string stage)
    {
        var record = new StageRecord
        {
            Stage = stage, Kind = "evaluate", Key = new string('a', 64), ImplVersion = 1, Config = new JsonObject(), Seed = 42,
            Upstream = new(StringComparer.Ordinal) { ["export-base"] = new RecordedUpstream(new string('d', 64), new string('e', 64)) },
            OutputHash = new string('b', 64), StartedAt = DateTimeOffset.UnixEpoch, FinishedAt = DateTimeOffset.UnixEpoch, DurationSeconds = 1.5,
            Environment = RunEnvironment.Capture(null),
        };
        File.WriteAllText(Path.Combine(directory, StageCache.RecordFileName), record.ToFileText());
    }
}
