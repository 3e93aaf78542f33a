using MedTune.Evaluation;

namespace MedTune.Reporting;

/// <summary>One experiment in <c>medtune report A.yaml B.yaml …</c>: its report and, where the cache still holds them, its per-question predictions.</summary>
public sealed record ComparedExperiment(string Name, ReportData Report)
{
    /// <summary>Model label → dataset → predictions; a label is absent when its evaluate output is not in the cache.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, IReadOnlyList<QuestionPrediction>>> Predictions { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, IReadOnlyList<QuestionPrediction>>>();

    /// <summary>Seed and resamples of the paired bootstrap (the experiment's <c>seed</c> and <c>evaluate.bootstrap_resamples</c>).</summary>
    public int Seed { get; init; } = 42;
    public int Resamples { get; init; } = 1000;

    public static ComparedExperiment From(string name, ReportData report, IEnumerable<ModelEvaluation> evaluations) => new(name, report)
    {
        Predictions = evaluations.ToDictionary(
            e => e.Label,
            e => (IReadOnlyDictionary<string, IReadOnlyList<QuestionPrediction>>)e.Datasets.ToDictionary(d => d.Key, d => d.Value.Predictions, StringComparer.Ordinal),
            StringComparer.Ordinal),
    };
}

/// <summary>The same model label of two experiments, compared on one dataset's shared questions (or why not).</summary>
/// <param name="Skipped">Why no test was run (different questions, predictions not in the cache); null when <see cref="Comparisons"/> holds the tests.</param>
public sealed record CrossExperimentComparison(string Dataset, string Model, string First, string Second,
    IReadOnlyList<PairedComparison> Comparisons, string? Skipped);

/// <summary>
/// Paired tests between experiments: each experiment against the first one given (the reference), per dataset they
/// share and per model label both evaluated — e.g. 0-shot vs 1-shot on the same questions. McNemar's exact test for 0/1
/// metrics and a paired bootstrap for Gestalt scores and exam points, as within one report.
/// </summary>
public static class CrossExperimentTests
{
    public static IReadOnlyList<CrossExperimentComparison> Against(ComparedExperiment reference, IEnumerable<ComparedExperiment> others)
    {
        var result = new List<CrossExperimentComparison>();
        foreach (var other in others)
            foreach (var dataset in reference.Report.Datasets)
            {
                var otherDataset = other.Report.Datasets.FirstOrDefault(d => d.Name == dataset.Name);
                if (otherDataset is null)
                {
                    result.Add(new(dataset.Name, "every model", reference.Name, other.Name, [],
                        $"{other.Name} has no dataset named {dataset.Name} (datasets are paired by name: give the same questions the same name)"));
                    continue;
                }
                foreach (var model in reference.Report.Models.Where(other.Report.Models.Contains))
                    result.Add(Compare(reference, other, dataset, otherDataset, model));
            }
        return result;
    }

    private static CrossExperimentComparison Compare(ComparedExperiment first, ComparedExperiment second, DatasetReport firstData, DatasetReport secondData, string model)
    {
        CrossExperimentComparison Skip(string why) => new(firstData.Name, model, first.Name, second.Name, [], why);
        var a = PredictionsOf(first, model, firstData.Name);
        var b = PredictionsOf(second, model, secondData.Name);
        if (a is null || b is null)
            return Skip($"the evaluate-{model} output of {(a is null ? first.Name : second.Name)} is not in its cache (re-run it, or point --cache at the cache that holds it)");
        var ids = a.Select(p => p.ProblemId).ToHashSet(StringComparer.Ordinal);
        if (a.Count != b.Count || !b.All(p => ids.Contains(p.ProblemId)))
            return Skip($"different questions ({a.Count} vs {b.Count}, {b.Count(p => ids.Contains(p.ProblemId))} shared)");
        var metrics = firstData.Metrics.Where(secondData.Metrics.Contains).ToArray();
        var tests = PairedComparisons.Compare(first.Name, a, firstData.Scores[model], second.Name, b, secondData.Scores[model], metrics, first.Resamples, first.Seed);
        return new CrossExperimentComparison(firstData.Name, model, first.Name, second.Name, tests, null);
    }

    private static IReadOnlyList<QuestionPrediction>? PredictionsOf(ComparedExperiment experiment, string model, string dataset) =>
        experiment.Predictions.TryGetValue(model, out var byDataset) && byDataset.TryGetValue(dataset, out var predictions) ? predictions : null;
}
