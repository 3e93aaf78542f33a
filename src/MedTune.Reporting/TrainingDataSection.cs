using System.Globalization;
using System.Text;

namespace MedTune.Reporting;

/// <summary>The report's "Training data" section: datasets with record and token counts, then the key training settings.</summary>
public static class TrainingDataSection
{
    public const string Title = "Training data";

    public static void Markdown(StringBuilder md, TrainingData data)
    {
        md.Append("## ").Append(Title).Append("\n\n");
        md.Append(Summary(data)).Append("\n\n");
        md.Append("| dataset | format | template | records | examples | tokens | loss tokens |\n|---|---|---|---|---|---|---|\n");
        foreach (var d in data.Datasets)
            md.Append($"| {ReportFormat.Cell(d.Name)} | {d.Format} | {d.Template} | {Count(d.Records)}{Skipped(d)} | {Count(d.Examples)}{Cut(d)} | {Count(d.Tokens)} | {Count(d.LossTokens)} |\n");
        md.Append("\n| setting | value |\n|---|---|\n");
        foreach (var s in data.Settings) md.Append($"| {s.Name} | {ReportFormat.Cell(s.Value)} |\n");
        md.Append('\n');
    }

    public static void Html(StringBuilder html, TrainingData data)
    {
        html.Append("<h2>").Append(Title).Append("</h2>\n<p>").Append(HtmlReport.Escape(Summary(data))).Append("</p>\n");
        html.Append("<table>\n<tr><th>dataset</th><th>format</th><th>template</th><th>records</th><th>examples</th><th>tokens</th><th>loss tokens</th></tr>\n");
        foreach (var d in data.Datasets)
            html.Append("<tr><td>").Append(HtmlReport.Escape(d.Name)).Append("</td><td>").Append(HtmlReport.Escape(d.Format ?? "")).Append("</td><td>")
                .Append(HtmlReport.Escape(d.Template ?? "")).Append("</td><td>").Append(Count(d.Records)).Append(HtmlReport.Escape(Skipped(d))).Append("</td><td>")
                .Append(Count(d.Examples)).Append(HtmlReport.Escape(Cut(d))).Append("</td><td>").Append(Count(d.Tokens)).Append("</td><td>")
                .Append(Count(d.LossTokens)).Append("</td></tr>\n");
        html.Append("</table>\n<table>\n<tr><th>setting</th><th>value</th></tr>\n");
        foreach (var s in data.Settings)
            html.Append("<tr><td>").Append(HtmlReport.Escape(s.Name)).Append("</td><td>").Append(HtmlReport.Escape(s.Value)).Append("</td></tr>\n");
        html.Append("</table>\n");
    }

    private static string Summary(TrainingData data)
    {
        var text = $"{Count(data.Examples)} examples from {data.Datasets.Count} dataset(s), {Count(data.Tokens)} tokens ({Count(data.LossTokens)} with loss)";
        if (data.Steps is { } steps) text += $", {Count(steps)} optimizer steps";
        if (data.TrainableParameters is { } parameters) text += $", {Count(parameters)} trainable LoRA parameters";
        return text + ".";
    }

    private static string Skipped(TrainingDataset d) => d.SkippedInvalidRecords > 0 ? $" (+{d.SkippedInvalidRecords} invalid skipped)" : "";

    private static string Cut(TrainingDataset d) =>
        (d.TruncatedExamples > 0 ? $" ({d.TruncatedExamples} truncated)" : "") + (d.DroppedExamples > 0 ? $" ({d.DroppedExamples} dropped)" : "");

    private static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
