using System.Text;

namespace MedTune.Reporting;

/// <summary>
/// The report's "Prompts and outputs" section: the evaluation template's text with placeholders, then per dataset the
/// first few prompts exactly as the models saw them, with each model's output and the gold answer.
/// </summary>
public static class PromptExamplesSection
{
    public const string Title = "Prompts and outputs";

    public static bool HasContent(ReportData report) => report.PromptTemplate is not null || report.Datasets.Any(d => d.Examples.Count > 0);

    public static void Markdown(StringBuilder md, ReportData report)
    {
        md.Append("## ").Append(Title).Append("\n\n");
        if (report.PromptTemplate is { } template)
        {
            md.Append($"Template `{report.Settings.GetValueOrDefault("template")}`, {report.Settings.GetValueOrDefault("shots")}-shot, with placeholders "
                      + "(docs/templates.md describes every template):\n\n");
            Fenced(md, template);
        }
        foreach (var dataset in report.Datasets.Where(d => d.Examples.Count > 0))
        {
            md.Append($"### {dataset.Name}: the first {dataset.Examples.Count} questions\n\n");
            foreach (var example in dataset.Examples)
            {
                md.Append($"**{example.ProblemId}** (gold: {example.Gold})\n\n");
                if (example.Prompt is { } prompt) { md.Append("Prompt:\n\n"); Fenced(md, prompt); }
                else md.Append("Prompt: not kept by this evaluate output (re-run evaluation to see it).\n\n");
                foreach (var model in report.Models.Where(example.Outputs.ContainsKey))
                {
                    var output = example.Outputs[model];
                    md.Append($"{model} ({Verdict(output)}), answer `{Inline(output.Response)}`:\n\n");
                    Fenced(md, output.RawOutput);
                }
            }
        }
    }

    public static void Html(StringBuilder html, ReportData report)
    {
        html.Append("<h2>").Append(Title).Append("</h2>\n");
        if (report.PromptTemplate is { } template)
            html.Append("<p>Template <code>").Append(HtmlReport.Escape(report.Settings.GetValueOrDefault("template") ?? "")).Append("</code>, ")
                .Append(HtmlReport.Escape(report.Settings.GetValueOrDefault("shots") ?? "")).Append("-shot, with placeholders:</p>\n<pre>")
                .Append(HtmlReport.Escape(template)).Append("</pre>\n");
        foreach (var dataset in report.Datasets.Where(d => d.Examples.Count > 0))
        {
            html.Append("<details><summary>").Append(HtmlReport.Escape(dataset.Name)).Append(": the first ").Append(dataset.Examples.Count).Append(" questions</summary>\n");
            foreach (var example in dataset.Examples)
            {
                html.Append("<h3>").Append(HtmlReport.Escape(example.ProblemId)).Append(" (gold: ").Append(HtmlReport.Escape(example.Gold)).Append(")</h3>\n");
                html.Append("<pre>").Append(HtmlReport.Escape(example.Prompt ?? "(prompt not kept by this evaluate output)")).Append("</pre>\n");
                html.Append("<table>\n<tr><th>model</th><th>output</th><th>answer</th><th>correct</th></tr>\n");
                foreach (var model in report.Models.Where(example.Outputs.ContainsKey))
                {
                    var output = example.Outputs[model];
                    html.Append("<tr><td>").Append(HtmlReport.Escape(model)).Append("</td><td><pre>").Append(HtmlReport.Escape(output.RawOutput)).Append("</pre></td><td>")
                        .Append(HtmlReport.Escape(output.Response)).Append("</td><td>").Append(Verdict(output)).Append("</td></tr>\n");
                }
                html.Append("</table>\n");
            }
            html.Append("</details>\n");
        }
    }

    private static string Verdict(ModelOutput output) => output.Correct switch { true => "correct", false => "wrong", null => "not scored" };

    /// <summary>A fenced code block whose fence is longer than any backtick run in the text.</summary>
    private static void Fenced(StringBuilder md, string text)
    {
        int longest = 0, run = 0;
        foreach (var c in text) { run = c == '`' ? run + 1 : 0; longest = Math.Max(longest, run); }
        var fence = new string('`', Math.Max(3, longest + 1));
        md.Append(fence).Append("text\n").Append(text.TrimEnd('\n')).Append('\n').Append(fence).Append("\n\n");
    }

    private static string Inline(string text) => text.Replace("`", "'").Replace("\n", " ");
}
