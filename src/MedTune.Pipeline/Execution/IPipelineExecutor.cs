namespace MedTune.Pipeline;

/// <summary>
/// Runs the missing stages of an <see cref="ExecutionPlan"/> somewhere: in this process (<see cref="LocalExecutor"/>)
/// or as cluster jobs (<see cref="SlurmExecutor"/>). Executors never decide what to run; the plan does.
/// </summary>
public interface IPipelineExecutor
{
    /// <summary>
    /// Runs (or submits) every stage of the plan that is not cached. Returns the outcome of each stage this
    /// call finished, by <see cref="PlannedStage.Identity"/>; an executor that returns before the work is done
    /// (<c>--detach</c>) returns <see cref="ExecutionReport.Finished"/> false.
    /// </summary>
    Task<ExecutionReport> ExecuteAsync(ExecutionPlan plan, CancellationToken cancellationToken);
}

/// <summary>What an executor did.</summary>
/// <param name="Finished">Every stage of the plan is now in the cache.</param>
/// <param name="Outcomes">Stages run in this process, by identity (the others are read back from the cache).</param>
public sealed record ExecutionReport(bool Finished, IReadOnlyDictionary<string, StageOutcome> Outcomes);
