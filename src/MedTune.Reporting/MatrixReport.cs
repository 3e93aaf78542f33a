using System.Text;

namespace MedTune.Reporting;

/// <summary>One variant of a matrix for <see cref="MatrixReport"/>: its report and its evaluate stages' output directories by model label.</summary>
public sealed record VariantResult(string Variant, ReportData Report, IReadOnlyDictionary<string, string> EvaluationDirectories);

/// <summary>
/// A matrix's variants in one Markdown report: per dataset, one row per variant and model with each headline
/// metric's mean and 95% CI; then, for each pair the manifest names in <c>report.compare</c>, paired tests between
/// the two variants on the same questions (McNemar exact for 0/1 metrics, paired bootstrap otherwise), per model
/// both variants evaluated.
/// </summary>
public static class MatrixReport
{
    public static string Render(string title, IReadOnlyList<VariantResult> variants, IReadOnlyList<(string First, string Second)> compare, int resamples, int seed)
    {
        var md = new StringBuilder($"# {title}\n\n");
        var datasets = variants.SelectMany(v => v.Report.Datasets.Select(d => d.Name)).Distinct().ToList();
        foreach (var dataset in datasets)
        {
            var metrics = ReportFormat.HeadlineMetrics
                .Where(m => variants.Any(v => v.Report.Datasets.Any(d => d.Name == dataset && d.Metrics.Contains(m)))).ToList();
            var filter = variants.SelectMany(v => v.Report.Datasets).First(d => d.Name == dataset).Filter;
            md.Append($"## {dataset}\n\n{filter}\n\n| variant | model | ").Append(string.Join(" | ", metrics.Select(m => $"{m} (95% CI)"))).Append(" |\n");
            md.Append("|---|---|").Append(string.Concat(metrics.Select(_ => "---|"))).Append('\n');
            foreach (var variant in variants)
            {
                var data = variant.Report.Datasets.FirstOrDefault(d => d.Name == dataset);
                if (data is null) continue;
                foreach (var model in variant.Report.Models)
                    md.Append($"| {variant.Variant} | {model} | ").Append(string.Join(" | ", metrics.Select(m =>
                        data.Scores.TryGetValue(model, out var table) && table.TryGetValue(m, out var summary) ? ReportFormat.WithCi(summary) : "–"))).Append(" |\n");
            }
            md.Append('\n');
        }

        if (compare.Count > 0)
        {
            md.Append("## Variant against variant\n\nSame questions, same model kind; difference = second − first.\n\n");
            md.Append("| dataset | model | first | second | metric | first | second | difference | test | p |\n|---|---|---|---|---|---|---|---|---|---|\n");
            var byName = variants.ToDictionary(v => v.Variant, StringComparer.Ordinal);
            foreach (var (firstName, secondName) in compare)
            {
                if (!byName.TryGetValue(firstName, out var first) || !byName.TryGetValue(secondName, out var second)) continue; // not run (--variant)
                foreach (var model in first.EvaluationDirectories.Keys.Where(second.EvaluationDirectories.ContainsKey).Order(StringComparer.Ordinal))
                {
                    var a = ModelEvaluation.Read(model, first.EvaluationDirectories[model]);
                    var b = ModelEvaluation.Read(model, second.EvaluationDirectories[model]);
                    foreach (var dataset in a.Datasets.Keys.Where(b.Datasets.ContainsKey).Order(StringComparer.Ordinal))
                    {
                        var (scoresA, predictionsA) = a.Datasets[dataset];
                        var (scoresB, predictionsB) = b.Datasets[dataset];
                        var metrics = scoresA.Summary.Keys.Intersect(scoresB.Summary.Keys).Where(m => ReportFormat.HeadlineMetrics.Contains(m)).Order(StringComparer.Ordinal);
                        foreach (var c in PairedComparisons.Compare(firstName, predictionsA, scoresA.Summary, secondName, predictionsB, scoresB.Summary, metrics, resamples, seed))
                            md.Append($"| {dataset} | {model} | {firstName} | {secondName} | {c.Metric} | {ReportFormat.Number(c.FirstMean)} | {ReportFormat.Number(c.SecondMean)} | ")
                              .Append($"{ReportFormat.Difference(c)} | {c.Test} | {ReportFormat.PValue(c.PValue)} |\n");
                    }
                }
            }
        }
        return md.ToString();
    }
}
