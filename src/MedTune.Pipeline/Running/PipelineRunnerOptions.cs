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
    /// <summary>Local executor: stages that run at the same time at most (<c>--jobs</c>).</summary>
    public int Jobs { get; init; } = 1;
    /// <summary>Memory a stage says it needs (bytes; null or 0: unstated). Stages run together only while the sum fits <see cref="MemoryBudgetBytes"/>.</summary>
    public Func<PlannedStage, long?>? MemoryOf { get; init; }
    /// <summary>Memory the local executor may hand out to stages at once (default: what the machine has available).</summary>
    public long MemoryBudgetBytes { get; init; } = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
    /// <summary>
    /// Run only this stage (<c>medtune stage run</c>, one cluster job): every stage it depends on must already be in
    /// the cache; a missing one is an error instead of being built here.
    /// </summary>
    public string? RequireUpstreamCached { get; init; }
    /// <summary>
    /// Opens a stage's own log file (the path is <see cref="StageLog.FileName"/> in its build directory); the factory is
    /// disposed when the stage ends. Null: stages write no log file.
    /// </summary>
    public Func<string, Microsoft.Extensions.Logging.ILoggerFactory>? StageLogs { get; init; }
}
