using System.Text.Json.Serialization;

namespace MedTune.Evaluation;

/// <summary><c>evaluation.json</c>: what an evaluate stage ran, for the report and for audits.</summary>
public sealed record EvaluationSummary
{
    public const string FileName = "evaluation.json";

    [JsonPropertyName("model_label")] public required string ModelLabel { get; init; }
    [JsonPropertyName("template")] public required string Template { get; init; }
    [JsonPropertyName("shots")] public required int Shots { get; init; }
    [JsonPropertyName("fewshot_ids")] public required IReadOnlyList<string> FewshotIds { get; init; }
    [JsonPropertyName("shuffle_options")] public required bool ShuffleOptions { get; init; }
    [JsonPropertyName("decoding")] public required string Decoding { get; init; }
    [JsonPropertyName("metrics")] public required IReadOnlyList<string> Metrics { get; init; }
    [JsonPropertyName("datasets")] public required IReadOnlyList<EvaluatedDataset> Datasets { get; init; }
}

/// <summary>One evaluated question set.</summary>
public sealed record EvaluatedDataset
{
    [JsonPropertyName("name")] public required string Name { get; init; }
    [JsonPropertyName("filter")] public required string Filter { get; init; }
    [JsonPropertyName("questions")] public required int Questions { get; init; }
    [JsonPropertyName("total_read")] public required int TotalRead { get; init; }
    [JsonPropertyName("predictions")] public required string Predictions { get; init; }
    [JsonPropertyName("scores")] public required string Scores { get; init; }
}
