using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MedTune.Testing;

namespace MedTune.Cli.Tests;

/// <summary>
/// <c>show</c> and <c>report</c> over two real runs sharing a cache: the quickstart (0-shot) and a second small manifest,
/// the quickstart evaluated 1-shot (training, merge and export are the same stages, so only evaluation runs again).
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class ShowAndReportEndToEndTests
{
    [Fact]
    public async Task Show_and_report_compare_zero_and_one_shot_on_the_same_questions()
    {
        using var dir = new TempDirectory();
        var zeroShot = QuickstartEndToEndTests.CopyQuickstart(dir.Path);
        var oneShot = dir.File("quickstart-1shot.yaml");
        // Only the experiment's name changes (not the datasets': paired tests match datasets by name), and the shots.
        File.WriteAllText(oneShot, Regex.Replace(File.ReadAllText(zeroShot), "(?m)^name: quickstart$", "name: quickstart-1shot")
            .Replace("  shots: 0                # > 0 needs fewshot_path, e.g. quickstart/fewshot.jsonl", "  shots: 1\n  fewshot_path: quickstart/fewshot.jsonl"));
        var cache = dir.File("cache");

        var before = await CliRunner.RunAsync("show", zeroShot, oneShot, "--cache", cache, "--json");
        Assert.True(before.ExitCode == 0, before.Output);
        Assert.All(JsonNode.Parse(before.Output)!["experiments"]!.AsArray(), e => Assert.Equal("not run", (string?)e!["state"]));

        foreach (var manifest in new[] { zeroShot, oneShot })
        {
            var run = await CliRunner.RunAsync("run", manifest, "--cache", cache, "--quiet");
            Assert.True(run.ExitCode == 0, run.Output);
            if (manifest == oneShot) Assert.Contains("quickstart-1shot: 3 stage(s) ran, 6 cached", run.Output); // evaluate ×2 and report
        }

        // show: both up to date, settings differ in shots, metrics with CIs per model; valid Markdown.
        var show = await CliRunner.RunAsync("show", zeroShot, oneShot, "--cache", cache, "--md");
        Assert.True(show.ExitCode == 0, show.Output);
        Assert.Matches(@"\| quickstart \| up to date \| base \| builtin:tiny-llama \| none \| r16/α32 \| 0\.002 \| 20 \| 0 \|", show.Output);
        Assert.Matches(@"\| quickstart-1shot \| up to date \| tuned \| builtin:tiny-llama \| none \| r16/α32 \| 0\.002 \| 20 \| 1 \|", show.Output);
        Assert.Contains("quickstart-exam exact_match", show.Output);
        Assert.Matches(@"\| \d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\] \|", show.Output);
        AssertRowsOnOneLine(show.Output);

        // report: every metric with CIs, the paired test 1-shot vs 0-shot on the same 40 questions, written to a file too.
        var output = dir.File("comparison.md");
        var report = await CliRunner.RunAsync("report", zeroShot, oneShot, "--cache", cache, "-o", output);
        Assert.True(report.ExitCode == 0, report.Output);
        Assert.Contains("| experiment | model | accuracy | exact_match | gestalt_score | accuracy_normalized | exact_match_normalized | gestalt_score_normalized | questions |", report.Output);
        Assert.Contains("Paired tests against quickstart on the same questions (second − first):", report.Output);
        Assert.Matches(@"\| tuned \| exact_match \| quickstart \d\.\d{3} \| quickstart-1shot \d\.\d{3} \| [+−]\d\.\d{3} \| McNemar exact \(only quickstart \d+, only quickstart-1shot \d+\) \| ", report.Output);
        Assert.Matches(@"\| base \| gestalt_score \| .* \| paired bootstrap \| ", report.Output);
        Assert.Equal(File.ReadAllText(output), report.Output);
        AssertRowsOnOneLine(report.Output);

        // The stable copy of the latest report, beside the hashed one: training data, prompts and outputs included.
        var latest = File.ReadAllText(dir.File("artifacts/reports/quickstart-1shot/report.md"));
        Assert.Contains("## Training data", latest);
        Assert.Contains("| quickstart-instructions | alpaca | alpaca_ja |", latest);
        Assert.Contains("## Prompts and outputs", latest);
        Assert.Contains("{exemplar 1: question}", latest); // the 1-shot template's text
        Assert.True(File.Exists(dir.File("artifacts/reports/quickstart/report.html")));

        // A changed setting makes the experiment stale; report without the right cache names --cache.
        File.WriteAllText(oneShot, File.ReadAllText(oneShot).Replace("max_new_tokens: 24", "max_new_tokens: 20"));
        var stale = await CliRunner.RunAsync("show", oneShot, "--cache", cache, "--md");
        Assert.Contains("| quickstart-1shot | stale |", stale.Output);
        Assert.Matches(@"- quickstart-1shot: evaluate-base: .*evaluate\.decoding\.max_new_tokens", stale.Output);
        var wrongCache = await CliRunner.RunAsync("report", zeroShot, "--cache", dir.File("elsewhere"));
        Assert.Equal(2, wrongCache.ExitCode);
        Assert.Contains("--cache", wrongCache.Output);
    }

    private static void AssertRowsOnOneLine(string markdown)
    {
        int? columns = null;
        foreach (var line in markdown.Split('\n'))
        {
            if (!line.StartsWith('|')) { columns = null; continue; }
            Assert.EndsWith("|", line);
            int count = Regex.Matches(line, @"(?<!\\)\|").Count;
            columns ??= count;
            Assert.True(columns == count, $"{count} separators, header has {columns}: {line}");
        }
    }
}
