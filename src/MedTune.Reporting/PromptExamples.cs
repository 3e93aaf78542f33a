using MedTune.Evaluation;

namespace MedTune.Reporting;

/// <summary>One evaluation question as the models saw it, and what each model answered.</summary>
public sealed record PromptExample
{
    public required string ProblemId { get; init; }
    /// <summary>The full prompt; null for outputs written before predictions kept it (only the hash then).</summary>
    public string? Prompt { get; init; }
    public required string Gold { get; init; }
    /// <summary>Model label → its output on this prompt.</summary>
    public required SortedDictionary<string, ModelOutput> Outputs { get; init; }
}

/// <summary>A model's continuation, the answer extracted from it, and whether that answer was right.</summary>
/// <param name="Correct">Per the first 0/1 metric the prediction has (accuracy, letter_accuracy, …); null when none.</param>
public sealed record ModelOutput(string RawOutput, string Response, bool? Correct);

/// <summary>Picks the first few questions of a dataset (in file order) with every model's output, for the report.</summary>
public static class PromptExamples
{
    public const int DefaultCount = 3;

    private static readonly string[] CorrectnessMetrics = ["accuracy", "letter_accuracy", "exact_match", "loglik_accuracy"];

    public static IReadOnlyList<PromptExample> Select(IReadOnlyDictionary<string, IReadOnlyList<QuestionPrediction>> predictionsByModel, int count = DefaultCount)
    {
        if (predictionsByModel.Count == 0) return [];
        var reference = predictionsByModel.OrderBy(p => ReportBuilder.ModelOrder.ToList().IndexOf(p.Key) is var i && i < 0 ? int.MaxValue : i).First().Value;
        var byModel = predictionsByModel.ToDictionary(p => p.Key, p => p.Value.ToDictionary(q => q.ProblemId, StringComparer.Ordinal), StringComparer.Ordinal);
        return reference.Take(count).Select(first => new PromptExample
        {
            ProblemId = first.ProblemId,
            Prompt = first.Prompt,
            Gold = first.Gold,
            Outputs = new SortedDictionary<string, ModelOutput>(
                byModel.Where(m => m.Value.ContainsKey(first.ProblemId))
                    .ToDictionary(m => m.Key, m => Output(m.Value[first.ProblemId])), StringComparer.Ordinal),
        }).ToArray();
    }

    private static ModelOutput Output(QuestionPrediction prediction)
    {
        var metric = CorrectnessMetrics.FirstOrDefault(prediction.Metrics.ContainsKey);
        return new ModelOutput(prediction.RawOutput, prediction.Response, metric is null ? null : prediction.Metrics[metric] > 0.5);
    }
}
