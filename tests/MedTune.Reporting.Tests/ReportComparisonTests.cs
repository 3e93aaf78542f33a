using System.Text.RegularExpressions;
using MedTune.Evaluation;
using MedTune.Testing;

namespace MedTune.Reporting.Tests;

public sealed class ReportComparisonTests(ReportFixture fixture) : IClassFixture<ReportFixture>
{
    private readonly ReportFixture _fixture = fixture;

    private ComparedExperiment Experiment(string name, params (string Label, string Directory)[] models)
    {
        var evaluations = models.Select(m => ModelEvaluation.Read(m.Label, m.Directory)).ToArray();
        return ComparedExperiment.From(name, _fixture.Report(evaluations) with { Experiment = name }, evaluations) with { Resamples = 200 };
    }

    private ComparedExperiment Both(string name) => Experiment(name, ("base", _fixture.BaseDirectory), ("tuned", _fixture.TunedDirectory));

    [Fact]
    public void Shows_every_metric_with_ci_per_experiment_and_model()
    {
        var table = ReportComparison.Render([Both("zero-shot"), Both("one-shot")]);
        var lines = table.Split('\n');
        var header = lines.First(l => l.StartsWith("| experiment |"));
        Assert.Equal("| experiment | model | accuracy | exact_match | gestalt_score | accuracy_normalized | exact_match_normalized | gestalt_score_normalized | loglik_accuracy | questions |", header);
        var tuned = lines.First(l => l.StartsWith("| zero-shot | tuned (LoRA) |"));
        Assert.Contains("| 0.700 [0.500, 0.900]* |", tuned); // exact match with CI; McNemar against its base p < 0.05
        Assert.Contains("| 20 |", tuned);
        Assert.StartsWith("| zero-shot | base | 0.700 [", lines.First(l => l.StartsWith("| zero-shot | base |")));
        Snapshot.Match(table);
    }

    [Fact]
    public void Paired_tests_compare_experiments_on_the_same_questions()
    {
        // "improved" answers like the fixture's tuned model, but as a base-only experiment: base vs base across experiments.
        var table = ReportComparison.Render([Both("zero-shot"), Experiment("improved", ("base", _fixture.TunedDirectory))]);
        Assert.Contains("Paired tests against zero-shot on the same questions (second − first):", table);
        Assert.Contains("| base | exact_match | zero-shot 0.300 | improved 0.700 | +0.400 | McNemar exact (only zero-shot 0, only improved 8) | 0.0078 |", table);
        Assert.Matches(@"\| base \| gestalt_score \| zero-shot 0\.599 \| improved 0\.829 \| \+0\.230 \[\+0\.\d+, \+0\.\d+\] \| paired bootstrap \| 0\.\d+ \|", table);
        Assert.DoesNotContain("| tuned | exact_match |", table); // "improved" has no tuned model to pair with
    }

    [Fact]
    public void Experiments_on_different_questions_or_without_predictions_say_why_they_are_not_tested()
    {
        var subset = Both("subset");
        subset = subset with
        {
            Predictions = subset.Predictions.ToDictionary(p => p.Key,
                p => (IReadOnlyDictionary<string, IReadOnlyList<QuestionPrediction>>)p.Value.ToDictionary(d => d.Key, d => (IReadOnlyList<QuestionPrediction>)d.Value.Take(12).ToArray())),
        };
        var uncached = Both("uncached") with { Predictions = new Dictionary<string, IReadOnlyDictionary<string, IReadOnlyList<QuestionPrediction>>>() };

        var table = ReportComparison.Render([Both("reference"), subset, uncached]);

        Assert.Contains("- subset vs reference, base: not tested: different questions (20 vs 12, 12 shared).", table);
        Assert.Contains("- uncached vs reference, tuned: not tested: the evaluate-tuned output of uncached is not in its cache", table);
        Assert.Contains("--cache", table);
    }

    [Fact]
    public void A_dataset_the_other_experiment_lacks_is_named_not_silently_left_out()
    {
        var renamed = Both("renamed");
        renamed = renamed with { Report = renamed.Report with { Datasets = [renamed.Report.Datasets[0] with { Name = "other-exam" }] } };

        var table = ReportComparison.Render([Both("reference"), renamed]);

        var dataset = _fixture.Report().Datasets[0].Name;
        Assert.Contains($"- renamed vs reference, every model: not tested: renamed has no dataset named {dataset} (datasets are paired by name", table);
        Assert.Contains("## other-exam", table);
    }

    [Fact]
    public void Letter_experiments_show_letter_accuracy_and_exam_points()
    {
        var report = _fixture.Report();
        var dataset = report.Datasets[0];
        var letter = report with
        {
            Datasets = [dataset with
            {
                Metrics = ["letter_accuracy", "letter_accuracy_normalized", "exam_points"],
                Scores = new(StringComparer.Ordinal)
                {
                    ["base"] = Table(("letter_accuracy", 0.25), ("letter_accuracy_normalized", 0.3), ("exam_points", 0.2)),
                    ["tuned"] = Table(("letter_accuracy", 0.5), ("letter_accuracy_normalized", 0.5), ("exam_points", 0.45)),
                },
                ExamPoints = new(StringComparer.Ordinal) { ["base"] = new(10, 50), ["tuned"] = new(22.5, 50) },
                Comparisons = [],
            }],
        };
        var table = ReportComparison.Render([new ComparedExperiment("letters", letter)]);
        Assert.Contains("| experiment | model | letter_accuracy | letter_accuracy_normalized | exam_points | exam points (earned/total) | questions |", table);
        Assert.Contains("| letters | tuned (LoRA) | 0.500 [0.400, 0.600] | 0.500 [0.400, 0.600] | 0.450 [0.350, 0.550] | 22.5/50 (0.450) | 20 |", table);
    }

    [Fact]
    public void Output_is_valid_markdown_rows_on_one_line_with_matching_columns()
    {
        var table = ReportComparison.Render([Both("a|pipe"), Experiment("b", ("base", _fixture.TunedDirectory))]);
        int? columns = null;
        foreach (var line in table.Split('\n'))
        {
            if (!line.StartsWith('|')) { columns = null; continue; }
            Assert.EndsWith("|", line);
            int count = Regex.Matches(line, @"(?<!\\)\|").Count;
            columns ??= count;
            Assert.True(columns == count, $"{count} separators, header has {columns}: {line}");
        }
        Assert.Contains(@"| a\|pipe | base |", table);
    }

    private static MedTune.Scoring.MetricTable Table(params (string Metric, double Mean)[] values)
    {
        var table = new MedTune.Scoring.MetricTable();
        foreach (var (metric, mean) in values) table[metric] = new MedTune.Scoring.MetricSummary(mean, mean - 0.1, mean + 0.1, 20);
        return table;
    }
}
