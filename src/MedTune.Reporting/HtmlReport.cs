using System.Text;

namespace MedTune.Reporting;

/// <summary>
/// Renders <c>report.html</c>: one self-contained file (inline CSS, charts as base64 PNG data URIs, no
/// scripts or external resources) that opens in any browser offline.
/// </summary>
public static class HtmlReport
{
    public const string FileName = "report.html";

    private const string Css = """
        body { font-family: "Noto Sans CJK JP", "Noto Sans JP", "Hiragino Sans", "Yu Gothic", system-ui, sans-serif; margin: 2rem auto; max-width: 1200px; color: #1b1f24; line-height: 1.5; padding: 0 1rem; }
        h1 { border-bottom: 2px solid #2f6fb0; padding-bottom: .3rem; }
        h2 { margin-top: 2.2rem; border-bottom: 1px solid #d0d7de; }
        table { border-collapse: collapse; margin: .8rem 0 1.2rem; font-size: .92rem; }
        th, td { border: 1px solid #d0d7de; padding: .3rem .6rem; text-align: right; }
        th:first-child, td:first-child { text-align: left; }
        th { background: #f0f4f8; }
        tr:nth-child(even) td { background: #fafbfc; }
        .meta { color: #57606a; }
        .contamination { font-weight: 600; }
        .better { color: #116329; font-weight: 600; }
        .worse { color: #a40e26; font-weight: 600; }
        img { max-width: 100%; border: 1px solid #d0d7de; margin: .5rem 0; }
        pre { background: #f6f8fa; padding: .8rem; overflow-x: auto; font-size: .85rem; }
        details { margin: .6rem 0; }
        """;

    public static string Render(ReportData report, IReadOnlyList<ReportChart> charts)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\">\n");
        html.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        html.Append("<title>").Append(E(report.Title)).Append("</title>\n<style>\n").Append(Css).Append("</style>\n</head>\n<body>\n");
        html.Append("<h1>").Append(E(report.Title)).Append("</h1>\n");
        html.Append("<p class=\"meta\">Experiment <code>").Append(E(report.Experiment)).Append("</code>; models: ")
            .Append(E(string.Join(", ", report.Models))).Append("; ").Append(E(ReportFormat.SettingsLine(report).Replace("`", ""))).Append(".</p>\n");

        foreach (var dataset in report.Datasets) RenderDataset(html, report, dataset, charts);

        if (report.TrainingData is { } trainingData) TrainingDataSection.Html(html, trainingData);
        if (report.Training is { Steps.Count: > 0 } training)
        {
            html.Append("<h2>Training loss</h2>\n<p>").Append(training.Steps.Count).Append(" logged steps; loss ")
                .Append(ReportFormat.Number(training.Losses[0])).Append(" → ").Append(ReportFormat.Number(training.Losses[^1])).Append(".</p>\n");
            foreach (var chart in charts.Where(c => c.FileName == ReportCharts.TrainingLossFileName)) Image(html, chart);
        }

        if (PromptExamplesSection.HasContent(report)) PromptExamplesSection.Html(html, report);

        if (report.Notes.Count > 0)
        {
            html.Append("<h2>Notes</h2>\n<ul>\n");
            foreach (var note in report.Notes) html.Append("<li>").Append(E(note)).Append("</li>\n");
            html.Append("</ul>\n");
        }
        RenderProvenance(html, report.Provenance);
        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    private static void RenderDataset(StringBuilder html, ReportData report, DatasetReport dataset, IReadOnlyList<ReportChart> charts)
    {
        html.Append("<h2>").Append(E(dataset.Name)).Append("</h2>\n");
        html.Append("<p class=\"meta\">Filter: ").Append(E(dataset.Filter)).Append(". Means with 95% bootstrap CI.</p>\n");
        if (ReportFormat.ContaminationLine(report, dataset.Name) is { } overlap)
            html.Append("<p class=\"contamination\">").Append(E(overlap.Replace("**", ""))).Append("</p>\n");
        var comparisons = dataset.Comparisons.ToDictionary(c => c.Metric);
        bool paired = comparisons.Count > 0;

        html.Append("<table>\n<tr><th>metric</th>");
        foreach (var model in report.Models) html.Append("<th>").Append(E(model)).Append("</th>");
        if (paired) html.Append("<th>tuned − base</th><th>test</th><th>p</th>");
        html.Append("</tr>\n");
        foreach (var metric in dataset.Metrics)
        {
            html.Append("<tr><td>").Append(E(metric)).Append("</td>");
            foreach (var model in report.Models)
                html.Append("<td>").Append(dataset.Scores[model].TryGetValue(metric, out var s) ? E(ReportFormat.WithCi(s)) : "").Append("</td>");
            if (paired && comparisons.TryGetValue(metric, out var c))
            {
                var css = c.PValue < 0.05 ? (c.Difference > 0 ? " class=\"better\"" : " class=\"worse\"") : "";
                html.Append("<td").Append(css).Append('>').Append(E(ReportFormat.Difference(c))).Append("</td><td>")
                    .Append(E(ReportFormat.TestDescription(c))).Append("</td><td>").Append(E(ReportFormat.PValue(c.PValue))).Append("</td>");
            }
            else if (paired) html.Append("<td></td><td></td><td></td>");
            html.Append("</tr>\n");
        }
        html.Append("</table>\n");

        if (dataset.ExamPoints is { Count: > 0 } points)
            html.Append("<p>Exam points: ").Append(E(string.Join("; ", points.Select(p => $"{p.Key} {ReportFormat.Points(p.Value)}")))).Append("</p>\n");

        foreach (var chart in charts.Where(c => c.FileName == ReportCharts.MetricsFileName(dataset.Name))) Image(html, chart);

        var shown = ReportFormat.BreakdownMetrics(dataset);
        foreach (var (dimension, groups) in dataset.Breakdowns)
        {
            html.Append("<details").Append(dimension == "year" ? " open" : "").Append("><summary>By ").Append(E(dimension)).Append("</summary>\n<table>\n<tr><th>")
                .Append(E(dimension)).Append("</th><th>n</th>");
            foreach (var metric in shown) foreach (var model in report.Models) html.Append("<th>").Append(E($"{model} {metric}")).Append("</th>");
            html.Append("</tr>\n");
            foreach (var (group, byModel) in groups)
            {
                int n = byModel.Values.SelectMany(t => t.Values).Select(s => s.N).DefaultIfEmpty(0).Max();
                html.Append("<tr><td>").Append(E(group)).Append("</td><td>").Append(n).Append("</td>");
                foreach (var metric in shown)
                    foreach (var model in report.Models)
                        html.Append("<td>").Append(byModel.TryGetValue(model, out var table) && table.TryGetValue(metric, out var s) ? ReportFormat.Number(s.Mean) : "").Append("</td>");
                html.Append("</tr>\n");
            }
            html.Append("</table>\n</details>\n");
        }
    }

    private static void RenderProvenance(StringBuilder html, Provenance provenance)
    {
        html.Append("<h2>Provenance</h2>\n<p>Manifest: <code>").Append(E(provenance.ManifestPath)).Append("</code></p>\n");
        if (provenance.Stages.Count > 0)
        {
            html.Append("<table>\n<tr><th>stage</th><th>kind</th><th>key</th><th>output hash</th><th>upstream</th></tr>\n");
            foreach (var stage in provenance.Stages)
                html.Append("<tr><td>").Append(E(stage.Stage)).Append("</td><td>").Append(E(stage.Kind ?? "(no record)")).Append("</td><td><code>")
                    .Append(E(stage.Key ?? "")).Append("</code></td><td><code>").Append(E(stage.OutputHash ?? "")).Append("</code></td><td>")
                    .Append(E(string.Join(", ", stage.Upstream.Select(u => $"{u.Key} {u.Value[..Math.Min(12, u.Value.Length)]}")))).Append("</td></tr>\n");
            html.Append("</table>\n");
            foreach (var stage in provenance.Stages.Where(s => s.RuntimeFiles is not null))
                html.Append("<p>For llama.cpp / Ollama, <code>").Append(E(stage.Stage)).Append("</code> wrote ")
                    .Append(string.Join(", ", stage.RuntimeFiles!.Select(f => $"<code>{E(f)}</code>"))).Append(" in <code>")
                    .Append(E($"{stage.Kind}/{stage.Key}/")).Append("</code> of the cache.</p>\n");
        }
        html.Append("<p>").Append(E(MarkdownReport.EnvironmentNote.Replace("`", ""))).Append("</p>\n");
        if (provenance.ManifestText.Length > 0)
            html.Append("<details><summary>Manifest text</summary>\n<pre>").Append(E(provenance.ManifestText)).Append("</pre>\n</details>\n");
    }

    private static void Image(StringBuilder html, ReportChart chart) =>
        html.Append("<figure><img alt=\"").Append(E(chart.Caption)).Append("\" src=\"data:image/png;base64,")
            .Append(Convert.ToBase64String(chart.Png)).Append("\"><figcaption>").Append(E(chart.Caption)).Append("</figcaption></figure>\n");

    private static string E(string text) => Escape(text);

    /// <summary>HTML-escapes text (the five special characters; everything else, Japanese included, stays as is).</summary>
    public static string Escape(string text) => text
        .Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&quot;").Replace("'", "&#39;");
}
