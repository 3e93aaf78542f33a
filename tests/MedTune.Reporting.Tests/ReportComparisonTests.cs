using MedTune.Testing;

namespace MedTune.Reporting.Tests;

public sealed class ReportComparisonTests(ReportFixture fixture) : IClassFixture<ReportFixture>
{
    private readonly ReportFixture _fixture = fixture;

    [Fact]
    public void Renders_models_by_base_and_lora_by_metrics()
    {
        var report = _fixture.Report();
        var table = ReportComparison.Render([("opencalm-7b", report), ("llama2-70b", report with { Experiment = "llama2-70b" })]);
        var lines = table.Split('\n');

        Assert.Equal("| model | mini accuracy | mini exact_match | mini gestalt_score | mini loglik_accuracy |", lines[0]);
        Assert.StartsWith("| opencalm-7b (base) | ", lines[2]);
        Assert.StartsWith("| opencalm-7b + LoRA | ", lines[3]);
        Assert.StartsWith("| llama2-70b + LoRA | ", lines[5]);
        Assert.Contains("| 0.700* |", lines[3]); // tuned exact match, McNemar p < 0.05
        Assert.Contains("| 0.300 |", lines[2]);
        Snapshot.Match(table);
    }

    [Fact]
    public void Reads_report_json_files()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.File("a.json"), ReportJson.Serialize(_fixture.Report()));
        var table = ReportComparison.RenderFiles([("a", temp.File("a.json"))]);
        Assert.Contains("| a + LoRA | ", table);
        Assert.Throws<FileNotFoundException>(() => ReportComparison.RenderFiles([("b", temp.File("missing.json"))]));
    }
}
