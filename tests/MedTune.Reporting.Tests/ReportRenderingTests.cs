using System.Text.RegularExpressions;
using MedTune.Scoring.Statistics;
using MedTune.Testing;

namespace MedTune.Reporting.Tests;

public sealed class ReportRenderingTests(ReportFixture fixture) : IClassFixture<ReportFixture>
{
    private readonly ReportFixture _fixture = fixture;

    [Fact]
    public void Markdown_report_matches_snapshot()
    {
        var report = _fixture.Report();
        Snapshot.Match(MarkdownReport.Render(report, ReportCharts.For(report)));
    }

    [Fact]
    public void Train_eval_overlap_is_stated_plainly_in_every_format()
    {
        var plain = _fixture.Report();
        var dataset = plain.Datasets.Single().Name;
        var report = plain with
        {
            Contamination = [new MedTune.Evaluation.Contamination.DatasetContamination
            {
                Dataset = dataset, Questions = 20, Contaminated = 20, ExactMatches = 18, NgramOnlyMatches = 2, NgramLength = 50,
            }],
        };

        var md = MarkdownReport.Render(report, []);
        Assert.Contains("**Train/eval overlap: 20 of 20 evaluation questions occur in the training data (18 exactly, 2 by a shared 50-character run).**", md);
        Assert.Contains("Train/eval overlap: 20 of 20 evaluation questions occur in the training data", HtmlReport.Render(report, []));
        var json = System.Text.Json.Nodes.JsonNode.Parse(ReportJson.Serialize(report))!;
        Assert.Equal(20, (int)json["contamination"]![0]!["contaminated"]!);
        Assert.StartsWith("20 of 20 evaluation questions", (string)json["contamination"]![0]!["sentence"]!);
        Assert.DoesNotContain("Train/eval overlap", MarkdownReport.Render(plain, [])); // no check ran: nothing claimed
    }

    [Fact]
    public void Scores_and_paired_tests_match_the_scripted_answers()
    {
        var dataset = _fixture.Report().Datasets.Single();
        Assert.Equal(ReportFixture.QuestionCount, dataset.Questions);
        Assert.Equal(6.0 / 20, dataset.Scores["base"]["exact_match"].Mean, 12);
        Assert.Equal(14.0 / 20, dataset.Scores["tuned"]["exact_match"].Mean, 12);
        // loglik: scripted gold on the first 14 questions, option a after (gold for 15 and 20).
        Assert.Equal(16.0 / 20, dataset.Scores["tuned"]["loglik_accuracy"].Mean, 12);
        Assert.Equal(9.0 / 20, dataset.Scores["base"]["loglik_accuracy"].Mean, 12);

        var exact = dataset.Comparisons.Single(c => c.Metric == "exact_match");
        Assert.Equal("mcnemar", exact.Test);
        Assert.Equal((0, 8), (exact.OnlyFirstCorrect, exact.OnlySecondCorrect));
        Assert.Equal(McNemar.ExactPValue(0, 8), exact.PValue, 12);
        Assert.Equal(2 * Math.Pow(0.5, 8), exact.PValue, 12); // exact binomial, two-sided

        var gestalt = dataset.Comparisons.Single(c => c.Metric == "gestalt_score");
        Assert.Equal("paired_bootstrap", gestalt.Test);
        Assert.True(gestalt.CiLow < gestalt.Difference && gestalt.Difference < gestalt.CiHigh);
        Assert.True(gestalt.Difference > 0);
    }

    [Fact]
    public void McNemar_and_bootstrap_numbers_appear_in_markdown_and_html()
    {
        var report = _fixture.Report();
        var charts = ReportCharts.For(report);
        var md = MarkdownReport.Render(report, charts);
        var html = HtmlReport.Render(report, charts);
        var exact = report.Datasets[0].Comparisons.Single(c => c.Metric == "exact_match");
        var gestalt = report.Datasets[0].Comparisons.Single(c => c.Metric == "gestalt_score");

        foreach (var text in new[] { md, html })
        {
            Assert.Contains(ReportFormat.PValue(exact.PValue), text);
            Assert.Contains("McNemar exact (only base 0, only tuned 8)", text);
            Assert.Contains(ReportFormat.Difference(gestalt), text);
            Assert.Contains(ReportFormat.PValue(gestalt.PValue), text);
            Assert.Contains("paired bootstrap", text);
        }
    }

    [Fact]
    public void Base_only_report_says_nothing_about_tuned_minus_base_or_training()
    {
        var report = _fixture.Report([ModelEvaluation.Read("base", _fixture.BaseDirectory)]);
        var charts = ReportCharts.For(report);
        foreach (var text in new[] { MarkdownReport.Render(report, charts), HtmlReport.Render(report, charts) })
        {
            Assert.DoesNotContain("tuned", text.Replace("tuned − base", "X"), StringComparison.Ordinal);
            Assert.DoesNotContain("tuned − base", text);
            Assert.DoesNotContain("Training data", text);
            Assert.Contains("Only base evaluated", text);
            Assert.Contains("base (", text.Replace("<td>base</td>", "base ("));
        }
    }

    [Fact]
    public void Training_data_section_shows_counts_and_settings()
    {
        var report = _fixture.Report();
        var md = MarkdownReport.Render(report, []);
        Assert.Contains("41 examples from 1 dataset(s), 12,345 tokens (2,345 with loss), 30 optimizer steps, 73,728 trainable LoRA parameters.", md);
        Assert.Contains("| mini-instructions | alpaca | alpaca_ja | 42 | 41 (2 truncated) (1 dropped) | 12,345 | 2,345 |", md);
        Assert.Contains("| learning_rate | 0.0003 |", md);
        Assert.Contains("| lora | r 8, alpha 16, dropout 0.05 |", md);
        Assert.Contains("<td>learning_rate</td><td>0.0003</td>", HtmlReport.Render(report, []));
    }

    [Fact]
    public void Examples_show_the_first_prompts_with_every_models_output()
    {
        var dataset = _fixture.Report().Datasets.Single();
        Assert.Equal(["112A1", "112A2", "112A3"], dataset.Examples.Select(e => e.ProblemId));
        var first = dataset.Examples[0];
        Assert.Contains("問題1：正しいのはどれか。", first.Prompt);
        Assert.Equal(["base", "tuned"], first.Outputs.Keys);
        Assert.True(first.Outputs["tuned"].Correct);

        // A wrong answer is shown as such (question 7: base answers with a wrong suffix or nothing).
        var examples = PromptExamples.Select(new Dictionary<string, IReadOnlyList<MedTune.Evaluation.QuestionPrediction>>
        {
            ["base"] = ModelEvaluation.Read("base", _fixture.BaseDirectory).Datasets["mini"].Predictions.Skip(6).ToArray(),
        }, count: 1);
        Assert.False(Assert.Single(examples).Outputs["base"].Correct);
        Assert.Contains("wrong", MarkdownReport.Render(_fixture.Report() with { Datasets = [dataset with { Examples = examples }] }, []));
    }

    [Fact]
    public void Markdown_tables_keep_each_row_on_one_line()
    {
        var report = _fixture.Report();
        var md = MarkdownReport.Render(report, []);
        var lines = md.Split('\n');
        int? columns = null;
        bool inFence = false;
        foreach (var line in lines)
        {
            if (line.StartsWith("```")) inFence = !inFence;
            if (inFence || !line.StartsWith('|')) { columns = line.StartsWith('|') ? columns : null; continue; }
            int count = Regex.Matches(line, @"(?<!\\)\|").Count;
            Assert.True(line.EndsWith('|'), line);
            if (columns is { } expected) Assert.True(expected == count, $"row has {count} separators, header {expected}: {line}");
            else columns = count;
        }
        Assert.Equal("| a\\|b c |", $"| {ReportFormat.Cell("a|b\nc")} |");
    }

    [Fact]
    public void Html_report_is_self_contained()
    {
        var report = _fixture.Report();
        var html = HtmlReport.Render(report, ReportCharts.For(report));

        Assert.DoesNotContain("http://", html);
        Assert.DoesNotContain("https://", html);
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("<link", html);
        Assert.Empty(Regex.Matches(html, "(src|href)\\s*=\\s*\"(?!data:)"));
        var images = Regex.Matches(html, "src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"");
        Assert.Equal(2, images.Count); // metric bars + training loss
        foreach (Match image in images)
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], Convert.FromBase64String(image.Groups[1].Value)[..4]);
        Assert.Contains("<style>", html);
        Assert.Contains("<meta charset=\"utf-8\">", html);
    }

    [Fact]
    public void Report_json_round_trips()
    {
        var report = _fixture.Report();
        using var temp = new TempDirectory();
        File.WriteAllText(temp.File(ReportJson.FileName), ReportJson.Serialize(report));
        var read = ReportJson.Read(temp.File(ReportJson.FileName));
        Assert.Equal(report.Datasets[0].Scores["tuned"]["accuracy"], read.Datasets[0].Scores["tuned"]["accuracy"]);
        Assert.Equal(report.Datasets[0].Comparisons, read.Datasets[0].Comparisons);
        Assert.Equal(report.Training!.Losses, read.Training!.Losses);
    }

    [Fact]
    public void Training_curve_keeps_only_step_lines()
    {
        var curve = TrainLogReader.TryRead(_fixture.TrainDirectory)!;
        Assert.Equal(30, curve.Steps.Count);
        Assert.Equal(3.0, curve.Losses[0]);
    }

    [Fact]
    public void Damaged_train_log_names_file_and_line()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.File(TrainLogReader.FileName), "{\"step\":1,\"loss\":2.0}\n{\"step\":2,\n");
        var error = Assert.Throws<InvalidDataException>(() => TrainLogReader.TryRead(temp.Path));
        Assert.Contains($"{TrainLogReader.FileName}:2", error.Message);
    }

    [Fact]
    public void Charts_are_png_images()
    {
        var charts = ReportCharts.For(_fixture.Report());
        Assert.Equal(["metrics-mini.png", "training-loss.png"], charts.Select(c => c.FileName));
        Assert.All(charts, c => Assert.True(c.Png.Length > 1000));
    }
}
