using System.Text;
using MedTune.Scoring;
using ScottPlot;

namespace MedTune.Reporting;

/// <summary>
/// PNG charts drawn with ScottPlot: the training loss curve and per-dataset metric bars (base vs tuned,
/// with 95% CI whiskers). Labels are kept ASCII: the bundled fonts may lack Japanese glyphs.
/// </summary>
public static class ReportCharts
{
    public const string TrainingLossFileName = "training-loss.png";
    private const int Width = 800, Height = 420;

    public static string MetricsFileName(string dataset) => $"metrics-{Ascii(dataset)}.png";

    public static IReadOnlyList<ReportChart> For(ReportData report)
    {
        var charts = new List<ReportChart>();
        foreach (var dataset in report.Datasets)
            if (dataset.Metrics.Count > 0) charts.Add(MetricBars(dataset, report.Models));
        if (report.Training is { Steps.Count: > 0 } training) charts.Add(TrainingLoss(training));
        return charts;
    }

    public static ReportChart TrainingLoss(TrainingCurve curve)
    {
        var plot = new Plot();
        var line = plot.Add.Scatter(curve.Steps.Select(s => (double)s).ToArray(), curve.Losses.ToArray());
        line.MarkerSize = curve.Steps.Count > 50 ? 0 : 4;
        line.LineWidth = 2;
        plot.Title("Training loss");
        plot.XLabel("optimizer step");
        plot.YLabel("loss");
        return new ReportChart(TrainingLossFileName, "Training loss per optimizer step", plot.GetImageBytes(Width, Height, ImageFormat.Png));
    }

    public static ReportChart MetricBars(DatasetReport dataset, IReadOnlyList<string> models)
    {
        // The headline metrics (and loglik); the normalised variants are in the tables.
        var metrics = ReportFormat.BreakdownMetrics(dataset).Concat(dataset.Metrics.Where(m => m == "loglik_accuracy")).ToArray();
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var ticks = new List<Tick>();
        for (int i = 0; i < metrics.Length; i++)
        {
            double groupStart = i * (models.Count + 1);
            for (int j = 0; j < models.Count; j++)
            {
                if (!dataset.Scores[models[j]].TryGetValue(metrics[i], out var summary)) continue;
                plot.Add.Bar(new Bar
                {
                    Position = groupStart + j,
                    Value = summary.Mean,
                    Error = summary.CiLow is { } low && summary.CiHigh is { } high ? (high - low) / 2 : 0,
                    FillColor = palette.GetColor(j),
                });
            }
            ticks.Add(new Tick(groupStart + (models.Count - 1) / 2.0, Ascii(metrics[i]), isMajor: true));
        }
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks.ToArray());
        plot.Axes.SetLimitsY(0, 1.05);
        for (int j = 0; j < models.Count; j++)
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = Ascii(models[j]), FillColor = palette.GetColor(j) });
        plot.ShowLegend(Edge.Right);
        plot.Title($"{Ascii(dataset.Name)}: metrics with 95% CI (n={dataset.Questions})");
        plot.YLabel("score");
        return new ReportChart(MetricsFileName(dataset.Name), $"{dataset.Name}: metrics by model", plot.GetImageBytes(Width, Height, ImageFormat.Png));
    }

    /// <summary>Letters, digits, '-', '_' and '.' kept; anything else (e.g. Japanese) becomes '_'.</summary>
    public static string Ascii(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var c in text) sb.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ' ' or '=' or ',' or '(' or ')' or ':' ? c : '_');
        return sb.ToString();
    }
}
