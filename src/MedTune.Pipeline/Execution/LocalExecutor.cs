namespace MedTune.Pipeline;

/// <summary>
/// Runs a plan's missing stages in this process, up to <see cref="PipelineRunnerOptions.Jobs"/> at a time and,
/// where stages state their memory (<see cref="PipelineRunnerOptions.MemoryOf"/>), only as many together as fit in
/// <see cref="PipelineRunnerOptions.MemoryBudgetBytes"/>. A stage starts once everything it depends on is
/// published. Each stage runs on a thread of its own that ends with it (<see cref="StageThread"/>: libtorch's OpenMP
/// teams are per thread). Each stage still takes its key's cross-process lock, so another <c>medtune run</c> on the same cache
/// waits for it and reuses its output instead of building it again. After a failure no new stage starts; the
/// running ones finish, then the first error is thrown.
/// </summary>
public sealed class LocalExecutor(StageCache cache, PipelineRunnerOptions options) : IPipelineExecutor
{
    public async Task<ExecutionReport> ExecuteAsync(ExecutionPlan plan, CancellationToken cancellationToken)
    {
        var executor = new StageExecutor(cache, options);
        var outcomes = new Dictionary<string, StageOutcome>(StringComparer.Ordinal);
        foreach (var stage in plan.Stages.Where(s => s.Cached is not null))
            outcomes[stage.Identity] = StageExecutor.Cached(stage.Definition, stage.Cached!, options.Reporter);
        var pending = plan.Stages.Where(s => s.Cached is null).ToList();
        var running = new Dictionary<Task<StageOutcome>, PlannedStage>();
        var jobs = Math.Max(1, options.Jobs);
        long memoryInUse = 0;
        Exception? failure = null;

        while (pending.Count > 0 || running.Count > 0)
        {
            if (failure is null)
                foreach (var stage in pending.ToList())
                {
                    if (running.Count >= jobs) break;
                    if (!stage.Upstream.Values.All(u => outcomes.ContainsKey(u.Identity))) continue;
                    var memory = options.MemoryOf?.Invoke(stage) ?? 0;
                    if (running.Count > 0 && memoryInUse + memory > options.MemoryBudgetBytes) continue;
                    pending.Remove(stage);
                    memoryInUse += memory;
                    var upstream = stage.Upstream.ToDictionary(u => u.Key, u => outcomes[u.Value.Identity], StringComparer.Ordinal);
                    running[StageThread.Run(stage.DisplayName, () => executor.RunAsync(stage.Definition, upstream, stage.Seed, stage.Forced, cancellationToken))] = stage;
                }
            if (running.Count == 0)
            {
                if (failure is not null) break;
                throw new InvalidOperationException("no stage can start: " + string.Join(", ", pending.Select(s => s.DisplayName)));
            }
            var done = await Task.WhenAny(running.Keys);
            var finished = running[done];
            running.Remove(done);
            memoryInUse -= options.MemoryOf?.Invoke(finished) ?? 0;
            try
            {
                outcomes[finished.Identity] = await done;
            }
            catch (Exception e) when (failure is null)
            {
                failure = e;
            }
            catch (Exception)
            {
                // a second failure after the first: the first is reported
            }
        }
        if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        return new ExecutionReport(true, outcomes);
    }
}
