using System.Text.Json.Nodes;
using MedTune.Evaluation;
using MedTune.Evaluation.Contamination;
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
    string? trainStageName,
    IReadOnlyDictionary<string, string>? exportStageByModelLabel = null,
    string? contaminationStageName = null) : IStage
{
    public static readonly IReadOnlyList<string> KnownFormats = ["md", "html", "json"];

    public string Kind => "report";
    public int ImplementationVersion => 3; // 3: no machine facts, manifest by file name, train/eval overlap, training data and prompt examples

    /// <summary>Report section (title, formats), the bootstrap resamples, the seed (paired tests) and the settings the training section shows.</summary>
    public static JsonNode ConfigFor(ExperimentManifest manifest)
    {
        var config = new JsonObject
        {
            ["seed"] = manifest.Seed,
            ["report"] = new JsonObject
            {
                ["title"] = manifest.Report.Title,
                ["formats"] = new JsonArray(manifest.Report.Formats.Select(f => (JsonNode)JsonValue.Create(f)!).ToArray()),
            },
            ["evaluate"] = new JsonObject { ["bootstrap_resamples"] = manifest.Evaluate.BootstrapResamples },
        };
        if (manifest.Evaluate.Models.Contains("tuned"))
            config["training_settings"] = new JsonObject(KeySettings.Training(manifest).Select(s => KeyValuePair.Create(s.Name, (JsonNode?)JsonValue.Create(s.Value))));
        return config;
    }

    public Task RunAsync(StageContext context, CancellationToken cancellationToken)
    {
        foreach (var format in manifest.Report.Formats)
            if (!KnownFormats.Contains(format))
                throw new ArgumentException($"Unknown report format '{format}' in report.formats. Use any of: {string.Join(", ", KnownFormats)}.");

        var startedOn = DateTimeOffset.UtcNow;
        var models = evaluateStageByModelLabel
            .Select(p => ModelEvaluation.Read(p.Key, Upstream(context, p.Value)))
            .ToArray();
        var training = trainStageName is null ? null : TrainLogReader.TryRead(Upstream(context, trainStageName));
        if (trainStageName is not null && training is null)
            context.Reporter.Warning($"No {TrainLogReader.FileName} in the output of '{trainStageName}': the report has no loss curve.");

        var provenance = ReportBuilder.ReadProvenance(manifest, context.UpstreamOutputs);
        var trainingData = trainStageName is null ? null : TrainingDataReader.TryRead(Upstream(context, trainStageName), KeySettings.Training(manifest));
        var contamination = contaminationStageName is null ? null
            : ContaminationReport.TryRead(Upstream(context, contaminationStageName))
              ?? throw new InvalidOperationException($"The output of '{contaminationStageName}' has no {ContaminationStage.FileName}.");
        var report = ReportBuilder.Build(manifest, models, training, provenance, trainingData) with { Contamination = contamination?.Datasets };
        // The measured cost of an int4 export (written by the export stage) is one line among the notes.
        var int4Notes = (exportStageByModelLabel ?? new Dictionary<string, string>())
            .Select(p => Int4CostNote.TryRead(Upstream(context, p.Value), p.Key)
                         ?? (manifest.Export.Precision == "int4" && !manifest.Export.Int4Cost ? Int4CostNote.NotMeasured(p.Key) : null))
            .OfType<string>().ToList();
        if (int4Notes.Count > 0) report = report with { Notes = [.. report.Notes, .. int4Notes] };
        var written = ReportWriter.Write(context.OutputDirectory, report, manifest.Report.Formats);

        // The in-toto/SLSA statement names the tool commit and times: a .medtune- file, kept but not hashed.
        var statement = ProvenanceBuilder.Build(context, Kind, ProvenanceFactsFor(manifest), startedOn);
        OutputFiles.WriteText(Path.Combine(context.OutputDirectory, ProvenanceStatement.FileName), statement.ToText());

        context.RecordFacts["files"] = new JsonArray(written.Select(f => (JsonNode)JsonValue.Create(f)!).ToArray());
        foreach (var dataset in report.Datasets)
            foreach (var comparison in dataset.Comparisons.Where(c => ReportFormat.HeadlineMetrics.Contains(c.Metric)))
                context.RecordFacts[$"{dataset.Name}.{comparison.Metric}"] = new JsonObject
                {
                    ["base"] = comparison.FirstMean, ["tuned"] = comparison.SecondMean, ["p"] = comparison.PValue,
                };
        foreach (var dataset in contamination?.Datasets ?? [])
            context.RecordFacts[$"{dataset.Dataset}.contamination"] = dataset.Sentence;
        context.Reporter.Info($"Report written: {string.Join(", ", written)}");
        return Task.CompletedTask;
    }

    /// <summary>The manifest's paths as written, by the logical input names the stage graph uses.</summary>
    public static ProvenanceFacts ProvenanceFactsFor(ExperimentManifest manifest)
    {
        var uris = new Dictionary<string, string>(StringComparer.Ordinal) { ["model.base"] = manifest.Model.Base, ["base-model"] = manifest.Model.Base };
        for (var i = 0; i < manifest.Datasets.Train.Count; i++) uris[$"datasets.train[{i}]"] = manifest.Datasets.Train[i].Path;
        for (var i = 0; i < manifest.Datasets.Eval.Count; i++) uris[$"datasets.eval[{i}]"] = manifest.Datasets.Eval[i].Path;
        if (manifest.Evaluate.FewshotPath is { } fewshot) uris["evaluate.fewshot_path"] = fewshot;
        return new ProvenanceFacts(manifest.Name, manifest.ManifestPath, manifest.Seed, uris);
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
