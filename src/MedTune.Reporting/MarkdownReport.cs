using System.Text;
using MedTune.Scoring;

namespace MedTune.Reporting;

/// <summary>Renders <c>report.md</c>.</summary>
public static class MarkdownReport
{
    public const string FileName = "report.md";

    public static string Render(ReportData report, IReadOnlyList<ReportChart> charts)
    {
        var md = new StringBuilder();
        md.Append("# ").Append(report.Title).Append("\n\n");
        md.Append($"Experiment `{report.Experiment}`; models: {string.Join(", ", report.Models)}; {ReportFormat.SettingsLine(report)}.\n\n");

        foreach (var dataset in report.Datasets) RenderDataset(md, report, dataset, charts);

        // Sections in reading order: results, then what was trained, then what was asked; each section is one class.
        if (report.TrainingData is { } trainingData) TrainingDataSection.Markdown(md, trainingData);
        if (report.Training is { Steps.Count: > 0 } training)
        {
            md.Append("## Training loss\n\n");
            md.Append($"{training.Steps.Count} logged steps; loss {ReportFormat.Number(training.Losses[0])} at step {training.Steps[0]} → "
                      + $"{ReportFormat.Number(training.Losses[^1])} at step {training.Steps[^1]}.\n\n");
            foreach (var chart in charts.Where(c => c.FileName.StartsWith("training", StringComparison.Ordinal)))
                md.Append($"![{chart.Caption}](charts/{chart.FileName})\n\n");
        }

        if (PromptExamplesSection.HasContent(report)) PromptExamplesSection.Markdown(md, report);

        if (report.Notes.Count > 0)
        {
            md.Append("## Notes\n\n");
            foreach (var note in report.Notes) md.Append("- ").Append(note).Append('\n');
            md.Append('\n');
        }
        RenderProvenance(md, report.Provenance);
        return md.ToString();
    }

    private static void RenderDataset(StringBuilder md, ReportData report, DatasetReport dataset, IReadOnlyList<ReportChart> charts)
    {
        md.Append("## ").Append(dataset.Name).Append("\n\n");
        md.Append($"Filter: {dataset.Filter}. Means with 95% bootstrap CI.\n\n");
        if (ReportFormat.ContaminationLine(report, dataset.Name) is { } overlap) md.Append(overlap).Append("\n\n");

        var comparisons = dataset.Comparisons.ToDictionary(c => c.Metric);
        bool paired = comparisons.Count > 0;
        md.Append("| metric | ").Append(string.Join(" | ", report.Models));
        md.Append(paired ? " | tuned − base | test | p |\n" : " |\n");
        md.Append("|---|").Append(string.Concat(report.Models.Select(_ => "---|"))).Append(paired ? "---|---|---|\n" : "\n");
        foreach (var metric in dataset.Metrics)
        {
            md.Append("| ").Append(metric).Append(" | ");
            md.Append(string.Join(" | ", report.Models.Select(m => dataset.Scores[m].TryGetValue(metric, out var s) ? ReportFormat.WithCi(s) : "")));
            if (paired)
            {
                if (comparisons.TryGetValue(metric, out var c))
                    md.Append($" | {ReportFormat.Difference(c)} | {ReportFormat.TestDescription(c)} | {ReportFormat.PValue(c.PValue)}");
                else md.Append(" | | | ");
            }
            md.Append(" |\n");
        }
        md.Append('\n');

        if (dataset.ExamPoints is { Count: > 0 } points)
            md.Append("Exam points: ").Append(string.Join("; ", points.Select(p => $"{p.Key} {ReportFormat.Points(p.Value)}"))).Append("\n\n");

        foreach (var chart in charts.Where(c => c.FileName == ReportCharts.MetricsFileName(dataset.Name)))
            md.Append($"![{chart.Caption}](charts/{chart.FileName})\n\n");

        var shown = ReportFormat.BreakdownMetrics(dataset);
        foreach (var (dimension, groups) in dataset.Breakdowns)
        {
            md.Append($"### By {dimension}\n\n");
            md.Append($"| {dimension} | n | ").Append(string.Join(" | ", shown.SelectMany(metric => report.Models.Select(m => $"{m} {metric}")))).Append(" |\n");
            md.Append("|---|---|").Append(string.Concat(shown.SelectMany(_ => report.Models.Select(_ => "---|")))).Append('\n');
            foreach (var (group, byModel) in groups)
            {
                int n = byModel.Values.SelectMany(t => t.Values).Select(s => s.N).DefaultIfEmpty(0).Max();
                md.Append($"| {group} | {n} | ");
                md.Append(string.Join(" | ", shown.SelectMany(metric => report.Models.Select(m =>
                    byModel.TryGetValue(m, out var table) && table.TryGetValue(metric, out var s) ? ReportFormat.Number(s.Mean) : ""))));
                md.Append(" |\n");
            }
            md.Append('\n');
        }
    }

    private static void RenderProvenance(StringBuilder md, Provenance provenance)
    {
        md.Append("## Provenance\n\n");
        md.Append($"Manifest: `{provenance.ManifestPath}`\n\n");
        if (provenance.Stages.Count > 0)
        {
            md.Append("| stage | kind | key | output hash | upstream |\n|---|---|---|---|---|\n");
            foreach (var stage in provenance.Stages)
                md.Append($"| {stage.Stage} | {stage.Kind ?? "(no record)"} | {Short(stage.Key)} | {Short(stage.OutputHash)} | "
                          + string.Join(", ", stage.Upstream.Select(u => $"{u.Key} {Short(u.Value)}")) + " |\n");
            md.Append('\n');
            foreach (var stage in provenance.Stages.Where(s => s.RuntimeFiles is not null))
                md.Append($"For llama.cpp / Ollama, `{stage.Stage}` wrote {string.Join(", ", stage.RuntimeFiles!.Select(f => $"`{f}`"))} "
                          + $"in `{stage.Kind}/{stage.Key}/` of the cache (`ollama create NAME -f Modelfile` there).\n\n");
        }
        md.Append(EnvironmentNote).Append("\n\n");
        if (provenance.ManifestText.Length > 0)
            md.Append("Manifest text:\n\n```yaml\n").Append(provenance.ManifestText.TrimEnd()).Append("\n```\n");
    }

    /// <summary>Where the machine facts are, since the (hashed) report leaves them out.</summary>
    public const string EnvironmentNote =
        "Tool version and commit, OS, CPU/GPU and package versions: `.medtune-record.json` beside this report (not hashed, so this report reproduces on any machine).";

    private static string Short(string? hash) => hash is null ? "" : hash.Length > 12 ? $"`{hash[..12]}`" : $"`{hash}`";
}
