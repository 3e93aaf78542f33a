using System.Text.Json.Nodes;

namespace MedTune.Pipeline;

/// <summary>
/// The audit record of one stage run, stored as <c>.medtune-record.json</c> inside its cache entry. It is written
/// last, so an entry is complete iff its record exists. Everything that made the output (key inputs, machine,
/// packages, experiment commit) and what came out (files, hashes) is here.
/// </summary>
public sealed class StageRecord
{
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;
    public required string Stage { get; init; }
    public required string Kind { get; init; }
    public required string Key { get; init; }
    public required int ImplVersion { get; init; }
    public required JsonNode Config { get; init; }
    public required int Seed { get; init; }
    public SortedDictionary<string, RecordedInput> Inputs { get; init; } = new(StringComparer.Ordinal);
    public SortedDictionary<string, RecordedUpstream> Upstream { get; init; } = new(StringComparer.Ordinal);
    public SortedDictionary<string, RecordedFile> Outputs { get; init; } = new(StringComparer.Ordinal);
    public required string OutputHash { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required DateTimeOffset FinishedAt { get; init; }
    public required double DurationSeconds { get; init; }
    public required RunEnvironment Environment { get; init; }
    public SortedDictionary<string, JsonNode?> Facts { get; init; } = new(StringComparer.Ordinal);

    public StageKeyInputs ToKeyInputs() => new(
        Kind, ImplVersion, Config, Seed,
        Inputs.ToDictionary(p => p.Key, p => p.Value.Sha256),
        Upstream.ToDictionary(p => p.Key, p => p.Value.OutputHash));

    public static StageRecord Read(string path) =>
        PipelineJson.ReadFile<StageRecord>(path, "Stage record",
            "The cache entry is damaged; delete its directory (or run `medtune gc`) and run again.");

    public string ToFileText() => PipelineJson.ToFileText(this);
}

/// <param name="Path">The path as given when the stage ran (informational; the key uses the logical name).</param>
public sealed record RecordedInput(string Path, string Sha256);

public sealed record RecordedUpstream(string Key, string OutputHash);

public sealed record RecordedFile(string Sha256, long Size);
