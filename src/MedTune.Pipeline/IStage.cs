using System.Text.Json.Nodes;

namespace MedTune.Pipeline;

/// <summary>
/// One kind of pipeline work (train, merge, export, evaluate, report). A stage reads its upstream
/// stages' published outputs and its own config, and writes everything it produces into
/// <see cref="StageContext.OutputDirectory"/>; the pipeline hashes, records and publishes it.
/// </summary>
public interface IStage
{
    /// <summary>Stage kind: <c>train</c>, <c>merge</c>, <c>export</c>, <c>evaluate</c>, <c>report</c>.</summary>
    string Kind { get; }

    /// <summary>Bump when a code change alters what the stage produces: it is part of the cache key.</summary>
    int ImplementationVersion { get; }

    /// <summary>
    /// Produces the stage's output. The executor calls this on a thread of the stage's own (see <c>StageThread</c>),
    /// so a stage computes right here; it should not move its work to the thread pool with <c>Task.Run</c>.
    /// </summary>
    Task RunAsync(StageContext context, CancellationToken cancellationToken);
}

/// <summary>A node of an experiment's stage graph.</summary>
/// <param name="Name">Unique within the experiment, e.g. <c>train</c>, <c>export-base</c>, <c>evaluate-tuned</c>.</param>
/// <param name="Stage">The implementation.</param>
/// <param name="Config">The stage's resolved config section (defaults filled in). The pipeline canonicalises it for the key.</param>
/// <param name="InputPaths">Files or directories whose content determines the output (datasets, base checkpoint).</param>
/// <param name="DependsOn">Names of upstream stages whose outputs this stage reads.</param>
public sealed record StageDefinition(
    string Name,
    IStage Stage,
    JsonNode Config,
    IReadOnlyList<string> InputPaths,
    IReadOnlyList<string> DependsOn)
{
    /// <summary>
    /// Logical names of <see cref="InputPaths"/>, in the same order (e.g. <c>model.base</c>, <c>datasets.train[0]</c>).
    /// The cache key and the lock file use these names, never the absolute paths, so moving the repository
    /// does not invalidate anything. Null names them <c>inputs[0]</c>, <c>inputs[1]</c>, ...
    /// </summary>
    public IReadOnlyList<string>? InputNames { get; init; }

    /// <summary>The inputs as (logical name, path) pairs.</summary>
    public IReadOnlyList<StageInput> Inputs
    {
        get
        {
            if (InputNames is not null && InputNames.Count != InputPaths.Count)
                throw new PipelineDefinitionException(
                    $"Stage '{Name}' has {InputPaths.Count} input paths but {InputNames.Count} input names; give one name per path.");
            return InputPaths.Select((path, i) => new StageInput(InputNames?[i] ?? $"inputs[{i}]", path)).ToList();
        }
    }
}

/// <summary>A file or directory a stage reads, under the logical name the key and lock file know it by.</summary>
public sealed record StageInput(string Name, string Path);

/// <summary>What a running stage gets from the pipeline.</summary>
public sealed class StageContext
{
    public required string StageName { get; init; }
    /// <summary>The stage's cache key (hex SHA-256).</summary>
    public required string Key { get; init; }
    /// <summary>Empty temporary directory; write every output here. Published atomically on success.</summary>
    public required string OutputDirectory { get; init; }
    /// <summary>
    /// Persistent scratch directory for this key (e.g. resumable training checkpoints). It survives a crash
    /// or kill so that a re-run can resume; it is deleted once the output is published.
    /// </summary>
    public required string WorkDirectory { get; init; }
    /// <summary>Upstream stage name → its published (read-only) output directory.</summary>
    public required IReadOnlyDictionary<string, string> UpstreamOutputs { get; init; }
    /// <summary>The experiment seed.</summary>
    public required int Seed { get; init; }
    public required IStageReporter Reporter { get; init; }
    /// <summary>Facts the stage wants in its record (e.g. truncated example count, final loss).</summary>
    public IDictionary<string, JsonNode?> RecordFacts { get; } = new SortedDictionary<string, JsonNode?>(StringComparer.Ordinal);
}

/// <summary>Progress and log output of a stage; the CLI renders it (Spectre.Console), tests may ignore it.</summary>
public interface IStageReporter
{
    void Info(string message);
    void Warning(string message);
    /// <summary>Starts a progress bar with ETA and throughput; <paramref name="unit"/> names what is counted (e.g. "steps").</summary>
    IStageProgress StartProgress(string description, double total, string unit);
}

public interface IStageProgress : IDisposable
{
    void Increment(double amount = 1);
    void Describe(string description);
}

/// <summary>A reporter that drops everything (tests, --quiet).</summary>
public sealed class SilentStageReporter : IStageReporter
{
    public static readonly SilentStageReporter Instance = new();
    public void Info(string message) { }
    public void Warning(string message) { }
    public IStageProgress StartProgress(string description, double total, string unit) => new NoProgress();
    private sealed class NoProgress : IStageProgress
    {
        public void Increment(double amount = 1) { }
        public void Describe(string description) { }
        public void Dispose() { }
    }
}
