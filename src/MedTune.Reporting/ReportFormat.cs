using System.Globalization;
using MedTune.Scoring;

namespace MedTune.Reporting;

/// <summary>How numbers read in reports (invariant culture, 3 decimals; p-values with 4).</summary>
public static class ReportFormat
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>The paper's three metrics, shown in breakdown tables and charts.</summary>
    public static readonly IReadOnlyList<string> HeadlineMetrics = ["accuracy", "exact_match", "gestalt_score"];

    /// <summary>Text safe inside a Markdown table cell: <c>|</c> escaped, line breaks made spaces (a row stays one line).</summary>
    public static string Cell(string text) => text.Replace("|", "\\|").Replace("\r\n", " ").Replace('\n', ' ').Replace('\r', ' ');

    public static string Number(double value) => double.IsNaN(value) ? "n/a" : value.ToString("0.000", Invariant);

    public static string Signed(double value) => double.IsNaN(value) ? "n/a" : (value >= 0 ? "+" : "−") + Math.Abs(value).ToString("0.000", Invariant);

    public static string WithCi(MetricSummary summary) => summary.CiLow is { } low && summary.CiHigh is { } high
        ? $"{Number(summary.Mean)} [{Number(low)}, {Number(high)}]"
        : Number(summary.Mean);

    /// <summary>
    /// The train/eval overlap of one dataset as the report states it: in bold with what it means when any evaluation
    /// question occurs in the training data; null when no contamination check ran.
    /// </summary>
    public static string? ContaminationLine(ReportData report, string dataset)
    {
        if (report.Contamination?.FirstOrDefault(c => c.Dataset == dataset) is not { } overlap) return null;
        return overlap.Contaminated == 0
            ? $"Train/eval overlap: {overlap.Sentence} (exact match after NFKC and whitespace normalisation, or a shared {overlap.NgramLength}-character run)."
            : $"**Train/eval overlap: {overlap.Sentence}.** Scores on these questions measure recall of the training data, not medical knowledge the model generalises.";
    }

    public static string PValue(double p) => double.IsNaN(p) ? "n/a" : p < 0.0001 ? "< 0.0001" : p.ToString("0.0000", Invariant);

    public static string Difference(PairedComparison comparison) => comparison.CiLow is { } low && comparison.CiHigh is { } high
        ? $"{Signed(comparison.Difference)} [{Signed(low)}, {Signed(high)}]"
        : Signed(comparison.Difference);

    public static string TestDescription(PairedComparison comparison) => comparison.Test switch
    {
        "mcnemar" => $"McNemar exact (only {comparison.First} {comparison.OnlyFirstCorrect}, only {comparison.Second} {comparison.OnlySecondCorrect})",
        "none" => "not tested (evaluate.bootstrap_resamples: 0)",
        _ => "paired bootstrap",
    };

    public static string Points(ExamPointsTotal points) =>
        $"{points.Earned.ToString("0.#", Invariant)}/{points.Total.ToString("0.#", Invariant)} ({Number(points.Total > 0 ? points.Earned / points.Total : double.NaN)})";

    /// <summary>The metrics a breakdown table shows: the headline ones the dataset has, else its first three.</summary>
    public static IReadOnlyList<string> BreakdownMetrics(DatasetReport dataset)
    {
        var headline = HeadlineMetrics.Where(dataset.Metrics.Contains).ToArray();
        return headline.Length > 0 ? headline : dataset.Metrics.Take(3).ToArray();
    }

    public static string SettingsLine(ReportData report) =>
        $"template `{report.Settings.GetValueOrDefault("template")}`, {report.Settings.GetValueOrDefault("shots")}-shot"
        + (report.Settings.GetValueOrDefault("fewshot_ids") is { Length: > 0 } ids ? $" ({ids})" : "")
        + $", decoding {report.Settings.GetValueOrDefault("decoding")}, option shuffling {report.Settings.GetValueOrDefault("shuffle_options")}";
}
