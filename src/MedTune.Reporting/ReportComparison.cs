using System.Text;
using MedTune.Evaluation;

namespace MedTune.Reporting;

/// <summary>
/// <c>medtune report A.yaml B.yaml …</c> as Markdown: per dataset, one row per experiment and model with every metric
/// the experiments have (mean and 95% CI; exam points for letter templates), then the paired tests of each experiment
/// against the first, then each experiment's settings.
/// </summary>
public static class ReportComparison
{
    public static string Render(IReadOnlyList<ComparedExperiment> experiments)
    {
        if (experiments.Count == 0) throw new ArgumentException("No reports to compare.");
        var tests = experiments.Count > 1 ? CrossExperimentTests.Against(experiments[0], experiments.Skip(1)) : [];
        var md = new StringBuilder("# Experiments compared\n\n");
        md.Append("Means with 95% bootstrap CI; `*` marks a tuned model that differs from its own base at p < 0.05 on the same questions ")
          .Append("(McNemar exact / paired bootstrap).\n\n");

        var datasets = experiments.SelectMany(e => e.Report.Datasets.Select(d => d.Name)).Distinct().ToArray();
        foreach (var dataset in datasets)
        {
            var rows = experiments.Select(e => (Experiment: e, Data: e.Report.Datasets.FirstOrDefault(d => d.Name == dataset)))
                .Where(r => r.Data is not null).Select(r => (r.Experiment, Data: r.Data!)).ToArray();
            var metrics = OrderMetrics(rows.SelectMany(r => r.Data.Metrics));
            bool points = rows.Any(r => r.Data.ExamPoints is { Count: > 0 });

            md.Append("## ").Append(dataset).Append("\n\n");
            md.Append("| experiment | model | ").Append(string.Join(" | ", metrics)).Append(points ? " | exam points (earned/total)" : "").Append(" | questions |\n");
            md.Append("|---|---|").Append(string.Concat(metrics.Select(_ => "---|"))).Append(points ? "---|" : "").Append("---|\n");
            foreach (var (experiment, data) in rows)
                foreach (var model in experiment.Report.Models)
                {
                    md.Append("| ").Append(ReportFormat.Cell(experiment.Name)).Append(" | ").Append(model == "tuned" ? "tuned (LoRA)" : model).Append(" | ");
                    md.Append(string.Join(" | ", metrics.Select(m => Cell(data, model, m))));
                    if (points) md.Append(" | ").Append(data.ExamPoints?.GetValueOrDefault(model) is { } p ? ReportFormat.Points(p) : "–");
                    md.Append(" | ").Append(data.Questions).Append(" |\n");
                }
            md.Append('\n');
            RenderTests(md, tests.Where(t => t.Dataset == dataset).ToArray());
        }

        md.Append("## Settings\n\n");
        foreach (var e in experiments)
            md.Append($"- {e.Name}: {ReportFormat.SettingsLine(e.Report)}; ")
              .Append(string.Join("; ", e.Report.Datasets.Select(d => $"{d.Name}: {d.Filter}"))).Append('\n');
        return md.ToString();
    }

    private static void RenderTests(StringBuilder md, IReadOnlyList<CrossExperimentComparison> tests)
    {
        if (tests.Count == 0) return;
        md.Append($"Paired tests against {tests[0].First} on the same questions (second − first):\n\n");
        var run = tests.Where(t => t.Skipped is null).ToArray();
        if (run.Length > 0)
        {
            md.Append("| model | metric | first | second | second − first | test | p |\n|---|---|---|---|---|---|---|\n");
            foreach (var t in run)
                foreach (var c in t.Comparisons)
                    md.Append($"| {t.Model} | {c.Metric} | {ReportFormat.Cell(t.First)} {ReportFormat.Number(c.FirstMean)} | {ReportFormat.Cell(t.Second)} {ReportFormat.Number(c.SecondMean)} | "
                              + $"{ReportFormat.Difference(c)} | {ReportFormat.Cell(ReportFormat.TestDescription(c))} | {ReportFormat.PValue(c.PValue)} |\n");
            md.Append('\n');
        }
        foreach (var t in tests.Where(t => t.Skipped is not null))
            md.Append($"- {t.Second} vs {t.First}, {t.Model}: not tested: {t.Skipped}.\n");
        if (tests.Any(t => t.Skipped is not null)) md.Append('\n');
    }

    private static IReadOnlyList<string> OrderMetrics(IEnumerable<string> metrics)
    {
        var set = metrics.ToHashSet(StringComparer.Ordinal);
        return MetricNames.ReportOrder.Where(set.Contains).Concat(set.Except(MetricNames.ReportOrder).Order(StringComparer.Ordinal)).ToArray();
    }

    private static string Cell(DatasetReport data, string model, string metric)
    {
        if (!data.Scores.TryGetValue(model, out var table) || !table.TryGetValue(metric, out var summary)) return "–";
        var comparison = model == "tuned" ? data.Comparisons.FirstOrDefault(c => c.Metric == metric) : null;
        return ReportFormat.WithCi(summary) + (comparison is { PValue: < 0.05 } ? "*" : "");
    }
}
