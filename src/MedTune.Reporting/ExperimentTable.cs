using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using MedTune.Evaluation;

namespace MedTune.Reporting;

/// <summary>
/// <c>medtune show</c>'s table, like <c>dvc exp show</c>: one row per experiment and evaluated model; columns for the
/// state, the key settings, then per dataset the headline metrics (mean [95% CI]). Rendered as cells (the CLI draws
/// them), Markdown, or JSON (every metric).
/// </summary>
public static class ExperimentTable
{
    /// <summary>The metrics that get a column (the *_normalized variants are in the JSON).</summary>
    public static readonly IReadOnlyList<string> ShownMetrics = ["accuracy", "exact_match", "gestalt_score", "letter_accuracy", "exam_points", MetricNames.LoglikAccuracy];

    public sealed record Table(IReadOnlyList<string> Header, IReadOnlyList<IReadOnlyList<string>> Rows);

    public static Table Cells(IReadOnlyList<ExperimentOverview> experiments)
    {
        var settingNames = experiments.SelectMany(e => e.Settings.Select(s => s.Name)).Distinct().ToArray();
        var columns = MetricColumns(experiments);
        var header = new List<string> { "experiment", "state", "model" };
        header.AddRange(settingNames);
        header.AddRange(columns.Select(c => $"{c.Dataset} {c.Metric}"));

        var rows = new List<IReadOnlyList<string>>();
        foreach (var e in experiments)
        {
            var models = e.Metrics.Count > 0 ? ReportBuilder.ModelOrder.Where(e.Metrics.ContainsKey).Concat(e.Metrics.Keys.Except(ReportBuilder.ModelOrder)).ToArray() : ["–"];
            foreach (var model in models)
            {
                var row = new List<string> { e.Name, e.State, model };
                row.AddRange(settingNames.Select(n => e.Settings.FirstOrDefault(s => s.Name == n)?.Value ?? ""));
                row.AddRange(columns.Select(c =>
                    e.Metrics.TryGetValue(model, out var byDataset) && byDataset.TryGetValue(c.Dataset, out var table) && table.TryGetValue(c.Metric, out var s)
                        ? ReportFormat.WithCi(s) : "–"));
                rows.Add(row);
            }
        }
        return new Table(header, rows);
    }

    public static string Markdown(IReadOnlyList<ExperimentOverview> experiments)
    {
        var table = Cells(experiments);
        var md = new StringBuilder();
        md.Append("| ").Append(string.Join(" | ", table.Header.Select(ReportFormat.Cell))).Append(" |\n");
        md.Append('|').Append(string.Concat(table.Header.Select(_ => "---|"))).Append('\n');
        foreach (var row in table.Rows) md.Append("| ").Append(string.Join(" | ", row.Select(ReportFormat.Cell))).Append(" |\n");
        var details = experiments.Where(e => e.Details.Count > 0).ToArray();
        if (details.Length > 0)
        {
            md.Append('\n');
            foreach (var e in details)
                foreach (var line in e.Details)
                    md.Append("- ").Append(e.Name).Append(": ").Append(line.Replace('\n', ' ')).Append('\n');
        }
        return md.ToString();
    }

    public static string Json(IReadOnlyList<ExperimentOverview> experiments)
    {
        var array = new JsonArray();
        foreach (var e in experiments)
            array.Add(new JsonObject
            {
                ["name"] = e.Name,
                ["manifest"] = e.Manifest,
                ["state"] = e.State,
                ["details"] = new JsonArray(e.Details.Select(d => (JsonNode?)JsonValue.Create(d)).ToArray()),
                ["settings"] = new JsonObject(e.Settings.Select(s => KeyValuePair.Create(s.Name, (JsonNode?)JsonValue.Create(s.Value)))),
                ["metrics"] = JsonSerializer.SerializeToNode(e.Metrics, ReportJson.Options),
            });
        return new JsonObject { ["experiments"] = array }.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
    }

    private static IReadOnlyList<(string Dataset, string Metric)> MetricColumns(IReadOnlyList<ExperimentOverview> experiments)
    {
        var present = experiments.SelectMany(e => e.Metrics.Values).SelectMany(byDataset => byDataset)
            .SelectMany(d => d.Value.Keys.Select(m => (Dataset: d.Key, Metric: m))).ToHashSet();
        var datasets = present.Select(p => p.Dataset).Distinct().Order(StringComparer.Ordinal);
        return datasets.SelectMany(d => ShownMetrics.Where(m => present.Contains((d, m))).Select(m => (d, m))).ToArray();
    }
}
