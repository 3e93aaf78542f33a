using System.Text;

namespace MedTune.Reporting;

/// <summary>
/// <c>medtune report A.yaml B.yaml …</c>: several experiments' reports in the seed paper's table shape,
/// one row per model (base, then + LoRA) and, per dataset, one column per headline metric.
/// </summary>
public static class ReportComparison
{
    /// <summary>Reads each experiment's <c>report.json</c> and renders the table.</summary>
    public static string RenderFiles(IEnumerable<(string Experiment, string ReportJsonPath)> experiments) =>
        Render(experiments.Select(e => (e.Experiment, ReportJson.Read(e.ReportJsonPath))));

    public static string Render(IEnumerable<(string Experiment, ReportData Report)> experiments)
    {
        var list = experiments.ToArray();
        if (list.Length == 0) throw new ArgumentException("No reports to compare.");
        var datasets = list.SelectMany(e => e.Report.Datasets.Select(d => d.Name)).Distinct().ToArray();
        var metrics = ReportFormat.HeadlineMetrics
            .Concat(list.SelectMany(e => e.Report.Datasets.SelectMany(d => d.Metrics)).Where(m => m == "loglik_accuracy"))
            .Distinct().ToArray();

        var md = new StringBuilder();
        md.Append("| model | ").Append(string.Join(" | ", datasets.SelectMany(d => metrics.Select(m => $"{d} {m}")))).Append(" |\n");
        md.Append("|---|").Append(string.Concat(datasets.SelectMany(_ => metrics.Select(_ => "---|")))).Append('\n');
        foreach (var (experiment, report) in list)
            foreach (var model in report.Models)
            {
                md.Append("| ").Append(model == "tuned" ? $"{experiment} + LoRA" : $"{experiment} ({model})").Append(" | ");
                md.Append(string.Join(" | ", datasets.SelectMany(d => metrics.Select(m => Cell(report, d, model, m))))).Append(" |\n");
            }

        var settings = list.Select(e => $"- {e.Experiment}: {ReportFormat.SettingsLine(e.Report)}; "
            + string.Join("; ", e.Report.Datasets.Select(d => $"{d.Name}: {d.Filter}")));
        md.Append("\n* p < 0.05 against base on the same questions (McNemar exact / paired bootstrap).\n\n");
        md.Append(string.Join("\n", settings)).Append('\n');
        return md.ToString();
    }

    private static string Cell(ReportData report, string dataset, string model, string metric)
    {
        var data = report.Datasets.FirstOrDefault(d => d.Name == dataset);
        if (data is null || !data.Scores.TryGetValue(model, out var table) || !table.TryGetValue(metric, out var summary)) return "–";
        var comparison = model == "tuned" ? data.Comparisons.FirstOrDefault(c => c.Metric == metric) : null;
        var marker = comparison is { PValue: < 0.05 } ? "*" : "";
        return ReportFormat.Number(summary.Mean) + marker;
    }
}
