using System.Text.Json.Nodes;
using MedTune.Evaluation;
using MedTune.Manifest;
using MedTune.Pipeline;

namespace MedTune.Reporting;

/// <summary>
/// Compares the evaluated models (base vs tuned) and writes <c>report.md</c>, <c>report.html</c> (self-contained)
/// and <c>report.json</c> per <c>report.formats</c>, plus the charts as <c>charts/*.png</c>.
/// </summary>
public sealed class ReportStage(
    ExperimentManifest manifest,
    IReadOnlyDictionary<string, string> evaluateStageByModelLabel,
    string? trainStageName) : IStage
{
    public static readonly IReadOnlyList<string> KnownFormats = ["md", "html", "json"];

    public string Kind => "report";
    // 3: the report names the manifest by file name, not by its absolute path (machine-independent output).
    public int ImplementationVersion => 3;

    /// <summary>Report section (title, formats), the bootstrap resamples and the seed (paired tests).</summary>
    public static JsonNode ConfigFor(ExperimentManifest manifest) => new JsonObject
    {
        ["seed"] = manifest.Seed,
        ["report"] = new JsonObject
        {
            ["title"] = manifest.Report.Title,
            ["formats"] = new JsonArray(manifest.Report.Formats.Select(f => (JsonNode)JsonValue.Create(f)!).ToArray()),
        },
        ["evaluate"] = new JsonObject { ["bootstrap_resamples"] = manifest.Evaluate.BootstrapResamples },
    };

    public Task RunAsync(StageContext context, CancellationToken cancellationToken)
    {
        foreach (var format in manifest.Report.Formats)
            if (!KnownFormats.Contains(format))
                throw new ArgumentException($"Unknown report format '{format}' in report.formats. Use any of: {string.Join(", ", KnownFormats)}.");

        var models = evaluateStageByModelLabel
            .Select(p => ModelEvaluation.Read(p.Key, Upstream(context, p.Value)))
            .ToArray();
        var training = trainStageName is null ? null : TrainLogReader.TryRead(Upstream(context, trainStageName));
        if (trainStageName is not null && training is null)
            context.Reporter.Warning($"No {TrainLogReader.FileName} in the output of '{trainStageName}': the report has no loss curve.");

        var provenance = ReportBuilder.ReadProvenance(manifest, context.UpstreamOutputs, ReportBuilder.CaptureEnvironment(manifest));
        var report = ReportBuilder.Build(manifest, models, training, provenance);
        var written = ReportWriter.Write(context.OutputDirectory, report, manifest.Report.Formats);

        context.RecordFacts["files"] = new JsonArray(written.Select(f => (JsonNode)JsonValue.Create(f)!).ToArray());
        foreach (var dataset in report.Datasets)
            foreach (var comparison in dataset.Comparisons.Where(c => ReportFormat.HeadlineMetrics.Contains(c.Metric)))
                context.RecordFacts[$"{dataset.Name}.{comparison.Metric}"] = new JsonObject
                {
                    ["base"] = comparison.FirstMean, ["tuned"] = comparison.SecondMean, ["p"] = comparison.PValue,
                };
        context.Reporter.Info($"Report written: {string.Join(", ", written)}");
        return Task.CompletedTask;
    }

    private static string Upstream(StageContext context, string stageName) =>
        context.UpstreamOutputs.TryGetValue(stageName, out var directory)
            ? directory
            : throw new InvalidOperationException($"Report stage '{context.StageName}' needs the output of stage '{stageName}', which is not among its inputs.");
}

/// <summary>Writes the report files of the requested formats, and the charts they show.</summary>
public static class ReportWriter
{
    /// <returns>The relative paths written.</returns>
    public static IReadOnlyList<string> Write(string directory, ReportData report, IReadOnlyList<string> formats)
    {
        var written = new List<string>();
        IReadOnlyList<ReportChart> charts = formats.Contains("md") || formats.Contains("html") ? ReportCharts.For(report) : [];
        if (formats.Contains("md"))
        {
            foreach (var chart in charts)
            {
                OutputFiles.WriteBytes(Path.Combine(directory, "charts", chart.FileName), chart.Png);
                written.Add("charts/" + chart.FileName);
            }
            OutputFiles.WriteText(Path.Combine(directory, MarkdownReport.FileName), MarkdownReport.Render(report, charts));
            written.Add(MarkdownReport.FileName);
        }
        if (formats.Contains("html"))
        {
            OutputFiles.WriteText(Path.Combine(directory, HtmlReport.FileName), HtmlReport.Render(report, charts));
            written.Add(HtmlReport.FileName);
        }
        if (formats.Contains("json"))
        {
            OutputFiles.WriteText(Path.Combine(directory, ReportJson.FileName), ReportJson.Serialize(report));
            written.Add(ReportJson.FileName);
        }
        return written;
    }
}
