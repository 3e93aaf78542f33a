namespace MedTune.Pipeline;

public enum StageRunStatus
{
    /// <summary>The stage ran and its output was published.</summary>
    Ran,
    /// <summary>A complete entry with the same key was in the cache and was reused.</summary>
    Cached,
}

/// <summary>What happened to one stage in a run.</summary>
public sealed record StageOutcome(
    string Name,
    string Kind,
    StageRunStatus Status,
    string Key,
    string OutputDirectory,
    string OutputHash,
    TimeSpan Duration,
    StageRecord Record);

public sealed class PipelineResult
{
    public PipelineResult(IReadOnlyList<StageOutcome> stages, IReadOnlyList<string> definedStageNames) =>
        (Stages, DefinedStageNames) = (stages, definedStageNames);

    /// <summary>The stages that were run or reused, in execution order.</summary>
    public IReadOnlyList<StageOutcome> Stages { get; }

    /// <summary>Every stage of the experiment, including those left out by <see cref="PipelineRunnerOptions.Until"/>.</summary>
    public IReadOnlyList<string> DefinedStageNames { get; }

    public StageOutcome this[string name] =>
        Stages.FirstOrDefault(s => s.Name == name) ?? throw new KeyNotFoundException($"Stage '{name}' was not part of this run.");
}
