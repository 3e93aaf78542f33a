using System.Text.Json;
using MedTune.Manifest;
using MedTune.Scoring.Output;
using MedTune.Scoring.Predictions;
using MedTune.Testing;

namespace MedTune.Scoring.Tests;

public class ExamScorerTests
{
    private static ExamQuestion Q(string id, string category, int year, string[] choices, params string[] answer) =>
        new(id, "どれか。", choices, answer, 1, true, year, $"{year - 1906}-A", category, $"{year - 1906}-A.jsonl", 1);

    private static readonly string[] Options = { "酸素欠乏症", "硫化水素中毒", "一酸化炭素中毒", "二酸化炭素中毒", "二酸化窒素中毒" };

    private static readonly ExamQuestion[] Questions =
    {
        Q("112A1", "小児科", 2018, Options, "a"),
        Q("112A2", "公衆衛生", 2018, Options, "a", "b"),
        Q("113A1", "小児科", 2019, Options, "c"),
        Q("113A2", "小児科", 2019, Options, "e"),
    };

    private static PredictionSet Responses(params (string Id, string Text)[] records) =>
        new(PredictionKind.Response, records.Select(r => new Prediction(r.Id, r.Text)).ToArray(), "responses.jsonl");

    [Fact]
    public void Response_scoring_summarizes_each_metric_with_a_confidence_interval()
    {
        var result = ExamScorer.Score(Questions, Responses(
            ("112A1", "### 応答：酸素欠乏症"), ("112A2", "酸素欠乏症,硫化水素中毒"), ("113A1", "一酸化炭素"), ("113A2", "わからない")),
            new ScoreOptions { ResponseMarkers = new[] { "### 応答：" } });

        var summary = result.Report.Summary;
        Assert.Equal(0.5, summary["exact_match"].Mean);
        Assert.Equal(0.75, summary["accuracy"].Mean);
        Assert.Equal(result.Items.Average(i => i.Response!.GestaltScore), summary["gestalt_score"].Mean, 1e-15);
        Assert.Equal(4, summary["accuracy"].N);
        Assert.True(summary["accuracy"].CiLow <= 0.75 && summary["accuracy"].CiHigh >= 0.75);
        Assert.Equal(new[] { "2018", "2019" }, result.Report.Breakdowns.Year.Keys);
        Assert.Equal(2, result.Report.Breakdowns.Category["公衆衛生"]["accuracy"].N + 1);
        Assert.Equal(3, result.Report.Breakdowns.Category["小児科"]["accuracy"].N);
        Assert.Equal("response", result.Report.Mode);
        Assert.True(result.Mismatch.IsEmpty);
    }

    [Fact]
    public void Zero_bootstrap_resamples_give_the_same_means_without_intervals()
    {
        // evaluate.bootstrap_resamples documents 0 as "no confidence intervals".
        var responses = Responses(("112A1", "酸素欠乏症"), ("112A2", "酸素欠乏症,硫化水素中毒"), ("113A1", "一酸化炭素"), ("113A2", "わからない"));
        var withIntervals = ExamScorer.Score(Questions, responses, new ScoreOptions());
        var without = ExamScorer.Score(Questions, responses, new ScoreOptions { BootstrapResamples = 0 });

        foreach (var (name, summary) in without.Report.Summary)
        {
            Assert.Equal(withIntervals.Report.Summary[name].Mean, summary.Mean);
            Assert.Null(summary.CiLow);
            Assert.Null(summary.CiHigh);
        }
        Assert.Contains(without.Report.Notes, n => n.Contains("No confidence intervals"));
        var table = ScoreTableRenderer.Render(without.Report);
        Assert.Contains("—", table);
        Assert.DoesNotContain("[", table.Split('\n').Single(l => l.StartsWith("accuracy ", StringComparison.Ordinal)));
        // Comparing two such scorings reports the difference without a paired bootstrap.
        var comparison = ScoreComparison.Compare(without, without, new ScoreOptions { BootstrapResamples = 0 });
        Assert.All(comparison.Where(c => c.McNemar is null), c => Assert.Null(c.PairedBootstrap));
    }

    [Fact]
    public void Missing_predictions_count_as_wrong_and_are_reported()
    {
        var result = ExamScorer.Score(Questions, Responses(("112A1", "酸素欠乏症"), ("999Z9", "x")));
        Assert.Equal(4, result.Report.N);
        Assert.Equal(0.25, result.Report.Summary["exact_match"].Mean);
        Assert.Equal(new[] { "112A2", "113A1", "113A2" }, result.Report.PredictionIssues.MissingIds);
        Assert.Equal(new[] { "999Z9" }, result.Report.PredictionIssues.UnknownIds);
        Assert.True(result.Items[1].PredictionMissing);
    }

    [Fact]
    public void Same_inputs_give_the_same_report()
    {
        var predictions = Responses(("112A1", "酸素"), ("112A2", "硫化水素"), ("113A1", "一酸化炭素中毒"), ("113A2", "二酸化"));
        string first = ScoreReportJson.Serialize(ExamScorer.Score(Questions, predictions).Report);
        string second = ScoreReportJson.Serialize(ExamScorer.Score(Questions, predictions).Report);
        Assert.Equal(first, second);
        string otherSeed = ScoreReportJson.Serialize(ExamScorer.Score(Questions, predictions, new ScoreOptions { Seed = 7 }).Report);
        Assert.NotEqual(first, otherSeed);
    }

    [Fact]
    public void Report_json_is_snake_case_in_a_stable_order_and_round_trips()
    {
        var result = ExamScorer.Score(Questions, Responses(("112A1", "酸素欠乏症")),
            new ScoreOptions { Settings = new Dictionary<string, string> { ["template"] = "alpaca_ja_option_text", ["shots"] = "1" } });
        string json = ScoreReportJson.Serialize(result.Report);
        var root = JsonDocument.Parse(json).RootElement;
        Assert.Equal(
            new[] { "mode", "questions", "predictions", "filter", "n", "settings", "bootstrap", "summary", "breakdowns", "prediction_issues", "data_warnings", "notes" },
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(new[] { "mean", "ci_low", "ci_high", "n" }, root.GetProperty("summary").GetProperty("accuracy").EnumerateObject().Select(p => p.Name));
        Assert.Equal(new[] { "accuracy", "accuracy_normalized", "exact_match", "exact_match_normalized", "gestalt_score", "gestalt_score_normalized" },
            root.GetProperty("summary").EnumerateObject().Select(p => p.Name));
        Assert.Contains("小児科", json); // not \u-escaped
        Assert.Equal("1", root.GetProperty("settings").GetProperty("shots").GetString());

        var back = ScoreReportJson.Deserialize(json);
        Assert.Equal(json, ScoreReportJson.Serialize(back));
    }

    [Fact]
    public void Letter_scoring_reports_accuracy_and_exam_points()
    {
        var questions = new[]
        {
            Q("112A1", "小児科", 2018, Options, "a") with { Points = 3 },
            Q("112A2", "小児科", 2018, Options, "a", "b"),
        };
        var predictions = new PredictionSet(PredictionKind.Letter, new[] { new Prediction("112A1", "a"), new Prediction("112A2", "a, b") });
        var report = ExamScorer.Score(questions, predictions).Report;
        Assert.Equal("letter", report.Mode);
        Assert.Equal(0.5, report.Summary["letter_accuracy"].Mean);
        Assert.Equal(1.0, report.Summary["letter_accuracy_normalized"].Mean);
        Assert.Equal(0.75, report.Summary["exam_points"].Mean);
        Assert.Equal(new ExamPointsTotal(3, 4), report.ExamPoints);
    }

    [Fact]
    public void Metrics_with_identical_values_get_identical_intervals_from_one_set_of_resamples()
    {
        // Clean answers: letter_accuracy and letter_accuracy_normalized agree on every question.
        var questions = Enumerable.Range(1, 40).Select(i => Q($"112A{i}", "小児科", 2018, Options, "a")).ToArray();
        var predictions = new PredictionSet(PredictionKind.Letter, questions.Select((q, i) => new Prediction(q.ProblemId, i % 3 == 0 ? "b" : "a")).ToArray());
        var report = ExamScorer.Score(questions, predictions).Report;

        var plain = report.Summary["letter_accuracy"];
        Assert.Equal(plain, report.Summary["letter_accuracy_normalized"]);
        Assert.True(plain.CiLow < plain.Mean && plain.Mean < plain.CiHigh);
        Assert.Equal(report.Breakdowns.Year["2018"]["letter_accuracy"], report.Breakdowns.Year["2018"]["letter_accuracy_normalized"]);
        // And deterministic: the same seed gives the same interval again.
        Assert.Equal(plain, ExamScorer.Score(questions, predictions).Report.Summary["letter_accuracy"]);
    }

    [Fact]
    public void Paired_tests_of_identical_differences_agree_across_metrics()
    {
        var questions = Enumerable.Range(1, 30).Select(i => Q($"112A{i}", "小児科", 2018, Options, "a") with { Points = 1 + i % 3 }).ToArray();
        var first = ExamScorer.Score(questions, new PredictionSet(PredictionKind.Letter, questions.Select((q, i) => new Prediction(q.ProblemId, i % 2 == 0 ? "a" : "b")).ToArray()));
        var second = ExamScorer.Score(questions, new PredictionSet(PredictionKind.Letter, questions.Select((q, i) => new Prediction(q.ProblemId, i % 5 == 0 ? "b" : "a")).ToArray()));
        var comparisons = ScoreComparison.Compare(first, second).ToDictionary(c => c.Metric);
        Assert.Equal(comparisons["letter_accuracy"].McNemar, comparisons["letter_accuracy_normalized"].McNemar);
        Assert.NotNull(comparisons["exam_points"].PairedBootstrap);
    }

    [Fact]
    [Trait("Category", "SharedData")]
    public void Exam_points_are_left_out_when_the_questions_have_no_points()
    {
        var fewshot = ExamQuestionReader.Read(SharedData.Require("igakuqa", "fewshot-prompt.jsonl"));
        var predictions = new PredictionSet(PredictionKind.Letter, fewshot.Select(q => new Prediction(q.ProblemId, string.Join(",", q.Answer))).ToArray());
        var result = ExamScorer.Score(fewshot, predictions);
        Assert.Equal(new[] { "letter_accuracy", "letter_accuracy_normalized" }, result.Report.Summary.Keys);
        Assert.Null(result.Report.ExamPoints);
        Assert.Equal(1.0, result.Report.Summary["letter_accuracy"].Mean);
        Assert.Equal(2, ScoreComparison.Compare(result, result).Count);
    }

    [Fact]
    [Trait("Category", "SharedData")]
    public void Filter_and_data_warnings_come_from_the_question_set()
    {
        var questions = ExamQuestionReader.Read(SharedData.Require("jjsimqa", "jjsimqa.jsonl"), new DatasetFilters { Limit = 30 });
        var predictions = new PredictionSet(PredictionKind.Letter, questions.Select(q => new Prediction(q.ProblemId, "a")).ToArray());
        var report = ExamScorer.Score(questions, predictions).Report;
        Assert.Equal("first 30: 30 of 460 questions", report.Filter);
        Assert.Contains("107_888-26", Assert.Single(report.DataWarnings));
        Assert.Empty(report.Breakdowns.Year);
    }

    [Fact]
    public void Per_item_jsonl_has_one_line_per_question_with_its_metrics()
    {
        using var dir = new TempDirectory();
        var result = ExamScorer.Score(Questions, Responses(("112A1", "酸素欠乏症"), ("112A2", "x")));
        PerItemWriter.Write(dir.File("items.jsonl"), result.Items);
        var lines = File.ReadAllLines(dir.File("items.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(4, lines.Count);
        Assert.Equal("112A1", lines[0].GetProperty("problem_id").GetString());
        Assert.Equal(1, lines[0].GetProperty("exact_match").GetInt32());
        Assert.Equal(1, lines[0].GetProperty("accuracy").GetInt32());
        Assert.Equal(1.0, lines[0].GetProperty("gestalt_score").GetDouble());
        Assert.Equal("a", lines[0].GetProperty("picked").GetString());
        Assert.True(lines[2].GetProperty("prediction_missing").GetBoolean());
        Assert.False(lines[0].TryGetProperty("prediction_missing", out _));
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp"));
    }

    [Fact]
    public void Per_item_jsonl_for_letters_has_correct_and_points()
    {
        using var stream = new MemoryStream();
        var predictions = new PredictionSet(PredictionKind.Letter, new[] { new Prediction("112A1", "a") });
        PerItemWriter.Write(stream, ExamScorer.Score(Questions[..1], predictions).Items);
        var line = JsonDocument.Parse(System.Text.Encoding.UTF8.GetString(stream.ToArray()).TrimEnd('\n')).RootElement;
        Assert.Equal(new[] { "problem_id", "correct", "correct_normalized", "points", "points_possible", "prediction" }, line.EnumerateObject().Select(p => p.Name));
        Assert.Equal(1, line.GetProperty("correct").GetInt32());
        Assert.Equal(1.0, line.GetProperty("points").GetDouble());
    }

    [Fact]
    public void Json_report_is_written_atomically()
    {
        using var dir = new TempDirectory();
        var report = ExamScorer.Score(Questions, Responses(("112A1", "a"))).Report;
        string path = Path.Combine(dir.Path, "sub", "score.json");
        ScoreReportJson.Write(path, report);
        Assert.Equal(ScoreReportJson.Serialize(report), File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(Path.Combine(dir.Path, "sub")));
    }

    [Fact]
    public void Text_table_lists_metrics_groups_and_issues()
    {
        var result = ExamScorer.Score(Questions, Responses(("112A1", "酸素欠乏症"), ("112A2", "x"), ("113A1", "x")));
        string text = ScoreTableRenderer.Render(result.Report);
        Assert.Contains("response scoring of 4 questions", text);
        Assert.Matches(@"accuracy\s+0\.\d{4}\s+\[0\.\d{4}, [01]\.\d{4}\]\s+4", text);
        Assert.Contains("by category:", text);
        Assert.Contains("公衆衛生", text);
        Assert.Contains("without a prediction (scored as wrong): 113A2", text);
        // Metrics in report order, not alphabetical: accuracy, exact_match, gestalt_score, then the normalised ones.
        int[] at = { text.IndexOf("\naccuracy "), text.IndexOf("\nexact_match "), text.IndexOf("\ngestalt_score "), text.IndexOf("\naccuracy_normalized ") };
        Assert.True(at[0] > 0 && at[0] < at[1] && at[1] < at[2] && at[2] < at[3], text);

        // Wide characters count double, so the columns after a Japanese group name line up.
        var categoryRows = text.Split('\n').SkipWhile(l => !l.StartsWith("by category:")).Skip(1).TakeWhile(l => l.Length > 0).ToList();
        var widths = categoryRows.Select(r => ScoreTableRenderer.DisplayWidth(r.TrimEnd('\r'))).Distinct();
        Assert.Single(widths);
    }

    [Fact]
    public void No_questions_is_an_error()
    {
        Assert.Throws<ArgumentException>(() => ExamScorer.Score(Array.Empty<ExamQuestion>(), Responses(("x", "y"))));
    }

    [Fact]
    public void Paired_comparison_uses_mcnemar_for_binary_metrics_and_bootstrap_for_gestalt()
    {
        var baseline = ExamScorer.Score(Questions, Responses(("112A1", "x"), ("112A2", "x"), ("113A1", "x"), ("113A2", "x")));
        var tuned = ExamScorer.Score(Questions, Responses(("112A1", "酸素欠乏症"), ("112A2", "酸素欠乏症,硫化水素中毒"), ("113A1", "一酸化炭素中毒"), ("113A2", "x")));
        var comparisons = ScoreComparison.Compare(baseline, tuned);
        var exact = comparisons.Single(c => c.Metric == "exact_match");
        Assert.Equal(3, exact.McNemar!.OnlySecondCorrect);
        Assert.Equal(0.25, exact.McNemar.PValue);
        Assert.Null(exact.PairedBootstrap);
        var gestalt = comparisons.Single(c => c.Metric == "gestalt_score");
        Assert.NotNull(gestalt.PairedBootstrap);
        Assert.Equal(tuned.Report.Summary["gestalt_score"].Mean - baseline.Report.Summary["gestalt_score"].Mean, gestalt.PairedBootstrap!.MeanDifference, 1e-12);
    }
}

public class ScoreFilesTests
{
    [Fact]
    [Trait("Category", "SharedData")]
    public void Scores_a_prediction_file_against_igakuqa_and_writes_the_requested_outputs()
    {
        using var dir = new TempDirectory();
        var request = new ScoreFilesRequest(TestData.IgakuQaDirectory, TestData.Fixture("letter_predictions.jsonl"),
            dir.File("items.jsonl"), dir.File("score.json"), new DatasetFilters { TextOnly = true, Choices = 5 });
        var (result, table) = ScoreFiles.Run(request);

        Assert.Equal(1455, File.ReadAllLines(dir.File("items.jsonl")).Length);
        var json = JsonDocument.Parse(File.ReadAllText(dir.File("score.json"))).RootElement;
        Assert.Equal("text_only, 5 choices: 1455 of 2000 questions", json.GetProperty("filter").GetString());
        // The predictions cover all 2000 questions: the 545 the filter leaves out are not "unknown" (issue 14 item 9).
        Assert.Equal(545, result.Mismatch.FilteredOutIds.Count);
        Assert.Empty(result.Mismatch.UnknownIds);
        Assert.True(result.Mismatch.IsEmpty);
        Assert.Empty(result.Mismatch.MissingIds);
        Assert.Contains("letter_accuracy", table);
    }
}
