using System.Text.Json;
using System.Text.Json.Nodes;

namespace MedTune.Reporting;

/// <summary>What the tuned model was trained on and how: the report's "Training data" section.</summary>
public sealed record TrainingData
{
    public required IReadOnlyList<TrainingDataset> Datasets { get; init; }
    /// <summary>Examples after tokenization (truncated ones included, dropped ones not), over all datasets.</summary>
    public required int Examples { get; init; }
    /// <summary>Tokens of those examples (prompt and response), and those that carry the loss.</summary>
    public required long Tokens { get; init; }
    public required long LossTokens { get; init; }
    public int? Steps { get; init; }
    public long? TrainableParameters { get; init; }
    /// <summary>The settings that shaped the adapter, in reading order (see <see cref="KeySettings.Training"/>).</summary>
    public required IReadOnlyList<ReportSetting> Settings { get; init; }
}

/// <summary>One <c>datasets.train</c> entry as the train stage read it.</summary>
public sealed record TrainingDataset
{
    public required string Name { get; init; }
    public string? Format { get; init; }
    public string? Template { get; init; }
    public required int Records { get; init; }
    public int SkippedInvalidRecords { get; init; }
    public required int Examples { get; init; }
    public int TruncatedExamples { get; init; }
    public int DroppedExamples { get; init; }
    public required long Tokens { get; init; }
    public required long LossTokens { get; init; }
}

/// <summary>A named setting as the report shows it (<c>learning_rate</c> = <c>0.002</c>).</summary>
public sealed record ReportSetting(string Name, string Value);

/// <summary>Reads the train stage's <c>train_metrics.json</c> (counts per dataset, steps, parameters).</summary>
public static class TrainingDataReader
{
    public const string FileName = "train_metrics.json";

    /// <returns>Null when the train output has no <c>train_metrics.json</c> or it predates per-dataset counts.</returns>
    public static TrainingData? TryRead(string trainDirectory, IReadOnlyList<ReportSetting> settings)
    {
        var path = Path.Combine(trainDirectory, FileName);
        if (!File.Exists(path)) return null;
        JsonObject root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path))?.AsObject() ?? throw new InvalidDataException($"{path} is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message}). The train stage's output is damaged; re-run training.", e);
        }
        if (root["datasets"] is not JsonArray datasets) return null;
        return new TrainingData
        {
            Datasets = datasets.OfType<JsonObject>().Select(d => new TrainingDataset
            {
                Name = (string?)d["name"] ?? "?",
                Format = (string?)d["format"],
                Template = (string?)d["template"],
                Records = (int?)d["records"] ?? 0,
                SkippedInvalidRecords = (int?)d["skipped_invalid_records"] ?? 0,
                Examples = (int?)d["examples"] ?? 0,
                TruncatedExamples = (int?)d["truncated_examples"] ?? 0,
                DroppedExamples = (int?)d["dropped_examples"] ?? 0,
                Tokens = (long?)d["tokens"] ?? 0,
                LossTokens = (long?)d["loss_tokens"] ?? 0,
            }).ToArray(),
            Examples = (int?)root["examples"] ?? 0,
            Tokens = (long?)root["tokens"] ?? 0,
            LossTokens = (long?)root["loss_tokens"] ?? 0,
            Steps = (int?)root["steps"],
            TrainableParameters = (long?)root["trainable_parameters"],
            Settings = settings,
        };
    }
}
