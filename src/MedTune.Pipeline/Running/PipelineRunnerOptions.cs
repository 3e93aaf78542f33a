namespace MedTune.Pipeline;

public sealed class PipelineRunnerOptions
{
    /// <summary>The cache directory (by convention <c>artifacts/cache</c> beside the manifest).</summary>
    public required string CacheRoot { get; init; }
    /// <summary>The experiment seed: given to every stage and part of every key.</summary>
    public int Seed { get; init; } = 42;
    /// <summary>Stage name or kind: run only it (them) and their ancestors.</summary>
    public string? Until { get; init; }
    /// <summary>Stage names or kinds to re-run even if cached; the new output replaces the cached entry.</summary>
    public IReadOnlyCollection<string> Force { get; init; } = [];
    /// <summary>The experiment's directory (the manifest's); its git commit goes into every record.</summary>
    public string? ExperimentDirectory { get; init; }
    public IStageReporter Reporter { get; init; } = SilentStageReporter.Instance;
    /// <summary>How often a run waiting for another process's lock on a key checks again.</summary>
    public TimeSpan LockPollInterval { get; init; } = TimeSpan.FromMilliseconds(200);
}
