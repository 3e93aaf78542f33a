using System.Text.Json.Nodes;

namespace MedTune.Pipeline;

/// <summary>
/// <c>&lt;experiment&gt;.lock.json</c>, committed beside the manifest (DVC's <c>dvc.lock</c>): for every stage
/// the key, what the key was computed from and the hashes of what came out. Written as 2-space indented JSON
/// with sorted keys and a trailing newline so that git diffs show exactly what changed.
/// </summary>
public sealed class LockFile
{
    public const int CurrentSchemaVersion = 1;
    private const string Fix = "Fix or delete the lock file; `medtune run` writes a new one.";

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;
    public required string Experiment { get; init; }
    public SortedDictionary<string, LockedStage> Stages { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Where the lock file of an experiment lives: beside its manifest.</summary>
    public static string PathFor(string manifestDirectory, string experimentName) =>
        Path.Combine(manifestDirectory, experimentName + ".lock.json");

    public static LockFile Read(string path)
    {
        var lockFile = PipelineJson.ReadFile<LockFile>(path, "Lock file", Fix);
        if (lockFile.SchemaVersion != CurrentSchemaVersion)
            throw new InvalidDataException(
                $"Lock file '{path}' has schema_version {lockFile.SchemaVersion}; this medtune reads version {CurrentSchemaVersion}. " +
                "Upgrade medtune, or re-run the experiment to rewrite the lock file.");
        foreach (var (name, stage) in lockFile.Stages)
            if (string.IsNullOrEmpty(stage.Kind) || !StageCache.IsKey(stage.Key ?? ""))
                throw new InvalidDataException($"Lock file '{path}': stage '{name}' lacks a kind or a valid key. {Fix}");
        return lockFile;
    }

    /// <summary>The lock file at <paramref name="path"/>, or null if there is none yet.</summary>
    public static LockFile? TryRead(string path) => File.Exists(path) ? Read(path) : null;

    public void Write(string path) => AtomicFile.WriteAllText(path, ToText());

    public string ToText() => PipelineJson.ToFileText(this);

    /// <summary>
    /// The lock file after a run: the run's stages replace their entries; entries of stages that did not run
    /// this time (<c>--until</c>) are kept from <paramref name="previous"/> if the stage still exists.
    /// </summary>
    public static LockFile FromRun(string experiment, PipelineResult result, LockFile? previous = null)
    {
        var lockFile = new LockFile { Experiment = experiment };
        if (previous is not null)
            foreach (var (name, stage) in previous.Stages)
                if (result.DefinedStageNames.Contains(name)) lockFile.Stages[name] = stage;
        foreach (var outcome in result.Stages)
            lockFile.Stages[outcome.Name] = LockedStage.From(outcome.Record);
        return lockFile;
    }
}

/// <summary>One stage in the lock file.</summary>
public sealed class LockedStage
{
    public required string Kind { get; init; }
    public required string Key { get; init; }
    public required int ImplVersion { get; init; }
    public required int Seed { get; init; }
    public required JsonNode Config { get; init; }
    /// <summary>Input logical name → SHA-256.</summary>
    public SortedDictionary<string, string> Inputs { get; init; } = new(StringComparer.Ordinal);
    /// <summary>Upstream stage name → its output hash.</summary>
    public SortedDictionary<string, string> Upstream { get; init; } = new(StringComparer.Ordinal);
    /// <summary>Output file (relative, '/'-separated) → hash and size.</summary>
    public SortedDictionary<string, RecordedFile> Outputs { get; init; } = new(StringComparer.Ordinal);
    public required string OutputHash { get; init; }

    public static LockedStage From(StageRecord record) => new()
    {
        Kind = record.Kind,
        Key = record.Key,
        ImplVersion = record.ImplVersion,
        Seed = record.Seed,
        Config = PipelineJson.Clone(record.Config),
        Inputs = new(record.Inputs.ToDictionary(p => p.Key, p => p.Value.Sha256), StringComparer.Ordinal),
        Upstream = new(record.Upstream.ToDictionary(p => p.Key, p => p.Value.OutputHash), StringComparer.Ordinal),
        Outputs = new(record.Outputs, StringComparer.Ordinal),
        OutputHash = record.OutputHash,
    };

    public StageKeyInputs ToKeyInputs() => new(Kind, ImplVersion, Config, Seed, Inputs, Upstream);
}
