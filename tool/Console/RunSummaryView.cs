using MedTune.Pipeline;
using MedTune.Reporting;
using MedTune.Tool.Experiments;
using Spectre.Console;

namespace MedTune.Tool.Console;

/// <summary>The one screen printed at the end of <c>medtune run</c>: what ran, and base vs tuned per dataset.</summary>
public static class RunSummaryView
{
    public static void Render(IAnsiConsole console, Experiment experiment, PipelineResult result, ReportData? report,
        string? reportDirectory, string? latestReport, IReadOnlyList<FailUnderViolation> failedGates, bool tables = true)
    {
        if (tables) RenderTables(console, result, report);
        else
        {
            var ran = result.Stages.Count(s => s.Status == StageRunStatus.Ran);
            console.MarkupLineInterpolated($"{experiment.Manifest.Name}: {ran} stage(s) ran, {result.Stages.Count - ran} cached");
        }

        console.MarkupLineInterpolated($"lock file: {experiment.LockPath}");
        if (reportDirectory is not null)
            console.MarkupLineInterpolated($"report:    {Path.Combine(reportDirectory, "report.html")}");
        if (latestReport is not null)
            console.MarkupLineInterpolated($"latest:    {Path.Combine(Path.GetRelativePath(Directory.GetCurrentDirectory(), latestReport), "report.html")}");
        foreach (var violation in failedGates)
            console.MarkupLineInterpolated($"[red]fail-under:[/] {violation}");
    }

    private static void RenderTables(IAnsiConsole console, PipelineResult result, ReportData? report)
    {
        var stages = new Table().Title("stages").AddColumns("stage", "status", "seconds", "key");
        foreach (var s in result.Stages)
            stages.AddRow(Markup.Escape(s.Name), s.Status == StageRunStatus.Ran ? "[green]ran[/]" : "[grey]cached[/]",
                s.Duration.TotalSeconds.ToString("0.0"), s.Key[..12]);
        console.Write(stages);

        if (report is not null)
            foreach (var dataset in report.Datasets)
                console.Write(DatasetTable(report, dataset));
    }

    private static Table DatasetTable(ReportData report, DatasetReport dataset)
    {
        var table = new Table().Title($"{Markup.Escape(dataset.Name)}: {Markup.Escape(dataset.Filter)}");
        table.AddColumn("metric");
        foreach (var model in report.Models) table.AddColumn(Markup.Escape(model) + " [grey](95% CI)[/]");
        var comparisonColumn = dataset.Comparisons.Count > 0;
        if (comparisonColumn) table.AddColumn("tuned − base (p)");
        foreach (var metric in dataset.Metrics)
        {
            var row = new List<string> { Markup.Escape(metric) };
            foreach (var model in report.Models)
                row.Add(dataset.Scores.TryGetValue(model, out var scores) && scores.TryGetValue(metric, out var summary)
                    ? Markup.Escape(ReportFormat.WithCi(summary)) : "–");
            if (comparisonColumn)
            {
                var c = dataset.Comparisons.FirstOrDefault(x => x.Metric == metric);
                row.Add(c is null ? "" : Markup.Escape($"{ReportFormat.Signed(c.Difference)} ({PEquals(c.PValue)})"));
            }
            table.AddRow(row.ToArray());
        }
        return table;
    }

    /// <summary>"p = 0.0020", or "p < 0.0001" below the printed precision.</summary>
    private static string PEquals(double p) => ReportFormat.PValue(p) is var text && text.StartsWith('<') ? "p " + text : "p = " + text;
}
