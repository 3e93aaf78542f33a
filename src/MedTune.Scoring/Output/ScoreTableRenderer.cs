using System.Globalization;
using System.Text;

namespace MedTune.Scoring.Output;

/// <summary>Plain-text tables of a <see cref="ScoreReport"/> for the terminal (East Asian wide characters count double).</summary>
public static class ScoreTableRenderer
{
    public static string Render(ScoreReport report)
    {
        var text = new StringBuilder();
        text.AppendLine($"{report.Mode} scoring of {report.N} questions ({report.Filter})");
        foreach (var (key, value) in report.Settings) text.AppendLine($"  {key}: {value}");
        text.AppendLine();

        var rows = new List<string[]> { new[] { "metric", "mean", $"{report.Bootstrap.ConfidenceLevel * 100:0.#}% CI", "n" } };
        foreach (var (name, s) in report.Summary.OrderBy(m => MetricOrder(m.Key)))
            rows.Add(new[] { name, F(s.Mean), s.CiLow is { } low && s.CiHigh is { } high ? $"[{F(low)}, {F(high)}]" : "—", s.N.ToString(CultureInfo.InvariantCulture) });
        AppendTable(text, rows);
        if (report.ExamPoints is { } points)
            text.AppendLine($"exam points: {F(points.Earned, "0.##")} / {F(points.Total, "0.##")}");

        AppendBreakdown(text, "year", report.Breakdowns.Year);
        AppendBreakdown(text, "section", report.Breakdowns.Section);
        AppendBreakdown(text, "category", report.Breakdowns.Category);

        if (report.DataWarnings.Count > 0)
        {
            text.AppendLine();
            foreach (var warning in report.DataWarnings) text.AppendLine("data: " + warning);
        }

        var issues = report.PredictionIssues;
        if (issues.UnknownIds.Count + issues.MissingIds.Count + issues.DuplicateIds.Count > 0)
        {
            text.AppendLine();
            text.AppendLine(new Predictions.PredictionMismatch(issues.UnknownIds, issues.MissingIds, issues.DuplicateIds).Describe());
        }
        return text.ToString();
    }

    private static void AppendBreakdown(StringBuilder text, string dimension, GroupTable groups)
    {
        if (groups.Count == 0) return;
        var metrics = groups.Values.First().Keys.OrderBy(MetricOrder).ToList();
        text.AppendLine();
        text.AppendLine($"by {dimension}:");
        var rows = new List<string[]> { new[] { dimension }.Concat(metrics).Append("n").ToArray() };
        foreach (var (group, table) in groups)
            rows.Add(new[] { group }.Concat(metrics.Select(m => F(table[m].Mean))).Append(table[metrics[0]].N.ToString(CultureInfo.InvariantCulture)).ToArray());
        AppendTable(text, rows);
    }

    private static void AppendTable(StringBuilder text, List<string[]> rows)
    {
        int columns = rows[0].Length;
        var widths = Enumerable.Range(0, columns).Select(c => rows.Max(r => DisplayWidth(r[c]))).ToArray();
        foreach (var row in rows)
        {
            var line = new StringBuilder();
            for (int c = 0; c < columns; c++)
            {
                if (c > 0) line.Append("  ");
                bool leftAligned = c == 0;
                string padding = new(' ', widths[c] - DisplayWidth(row[c]));
                line.Append(leftAligned ? row[c] + padding : padding + row[c]);
            }
            text.AppendLine(line.ToString().TrimEnd());
        }
    }

    // Report order of the known metrics (accuracy, exact match, Gestalt, then their variants); others after, by name.
    private static (int, string) MetricOrder(string name)
    {
        var known = ScoreMetrics.Response.Concat(ScoreMetrics.Letter).Select(m => m.Name).ToList();
        int index = known.IndexOf(name);
        return (index < 0 ? int.MaxValue : index, name);
    }

    private static string F(double value, string format = "0.0000") => value.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>Terminal columns of <paramref name="s"/>: CJK, kana, Hangul, full-width forms and non-BMP characters take two.</summary>
    public static int DisplayWidth(string s)
    {
        int width = 0;
        foreach (var rune in s.EnumerateRunes())
        {
            int v = rune.Value;
            bool wide = v is (>= 0x1100 and <= 0x115F) or (>= 0x2E80 and <= 0xA4CF) or (>= 0xAC00 and <= 0xD7A3)
                or (>= 0xF900 and <= 0xFAFF) or (>= 0xFE30 and <= 0xFE4F) or (>= 0xFF00 and <= 0xFF60)
                or (>= 0xFFE0 and <= 0xFFE6) or >= 0x1F000;
            width += wide ? 2 : 1;
        }
        return width;
    }
}
