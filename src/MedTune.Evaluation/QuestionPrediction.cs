using System.Text.Json.Serialization;

namespace MedTune.Evaluation;

/// <summary>One line of <c>predictions/&lt;dataset&gt;.jsonl</c>: what the model was asked, said, and how it scored.</summary>
public sealed record QuestionPrediction
{
    [JsonPropertyName("problem_id")] public required string ProblemId { get; init; }
    [JsonPropertyName("year")] public int? Year { get; init; }
    [JsonPropertyName("section")] public string? Section { get; init; }
    [JsonPropertyName("category")] public string? Category { get; init; }
    [JsonPropertyName("points")] public double? Points { get; init; }
    /// <summary>Gold letters after option shuffling (if any).</summary>
    [JsonPropertyName("answer")] public required IReadOnlyList<string> Answer { get; init; }
    /// <summary>The gold string g (option texts joined by ',').</summary>
    [JsonPropertyName("gold")] public required string Gold { get; init; }
    [JsonPropertyName("prompt_sha256")] public required string PromptSha256 { get; init; }
    /// <summary>
    /// The full prompt text (template, exemplars, question): lets the report show example prompts and lets an auditor
    /// re-ask any question. Built from the data alone, so it holds nothing machine-specific. Null in old outputs.
    /// </summary>
    [JsonPropertyName("prompt")] public string? Prompt { get; init; }
    [JsonPropertyName("raw_output")] public required string RawOutput { get; init; }
    [JsonPropertyName("response")] public required string Response { get; init; }
    [JsonPropertyName("finish_reason")] public required string FinishReason { get; init; }
    [JsonPropertyName("generated_tokens")] public int GeneratedTokens { get; init; }
    /// <summary>Letters the free-text accuracy metric matched the response to.</summary>
    [JsonPropertyName("picked")] public string? Picked { get; init; }
    [JsonPropertyName("loglik_picked")] public string? LoglikPicked { get; init; }
    /// <summary>Metric name → value (0/1, or a similarity in [0,1]); a metric that does not apply is absent.</summary>
    [JsonPropertyName("metrics")] public required IReadOnlyDictionary<string, double> Metrics { get; init; }
}
