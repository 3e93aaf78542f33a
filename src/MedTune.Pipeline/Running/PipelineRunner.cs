namespace MedTune.Pipeline;

/// <summary>
/// Runs experiments' stage graphs: <see cref="ExecutionPlanner"/> decides what is missing (merging the stages that
/// several experiments share), an <see cref="IPipelineExecutor"/> runs it (in this process by default), and the
/// results are read back per experiment. A stage whose key has a complete cache entry is reused; otherwise it runs
/// into a fresh build directory that is published atomically. See <see cref="StageCache"/> for the on-disk layout
/// and <see cref="StageExecutor"/> for one stage's life.
/// </summary>
public sealed class PipelineRunner(PipelineRunnerOptions options)
{
    /// <summary>One experiment, run in this process.</summary>
    public async Task<PipelineResult> RunAsync(IReadOnlyList<StageDefinition> definitions, CancellationToken cancellationToken = default)
    {
        var result = await RunAllAsync([new ExperimentRun("", definitions, options.Seed)], null, cancellationToken);
        return result.Results![""];
    }

    /// <summary>
    /// Several experiments (a matrix's variants) on one cache. <paramref name="executor"/> null runs locally.
    /// <see cref="MatrixRunResult.Results"/> is null when the executor returned before the work was done (--detach).
    /// </summary>
    public async Task<MatrixRunResult> RunAllAsync(IReadOnlyList<ExperimentRun> experiments, Func<StageCache, IPipelineExecutor>? executor,
        CancellationToken cancellationToken = default)
    {
        var cache = new StageCache(options.CacheRoot);
        try
        {
            var plan = ExecutionPlanner.Plan(experiments, cache, options.Until, options.Force, cancellationToken);
            if (options.RequireUpstreamCached is { } target)
                foreach (var stage in plan.Missing.Where(s => s.Uses.All(u => u.Stage != target)))
                    throw new InvalidOperationException(
                        $"{stage.DisplayName} is not in the cache {cache.Root}, but {target} needs it: the job that builds it failed or was cancelled. Re-run `medtune run` to resubmit it.");
            var report = await (executor?.Invoke(cache) ?? new LocalExecutor(cache, options)).ExecuteAsync(plan, cancellationToken);
            if (!report.Finished) return new MatrixRunResult(plan, null);

            // Stages that ran elsewhere (cluster jobs) are read back from the cache: plan again, all of it is cached now.
            var after = report.Outcomes.Count == plan.Stages.Count ? plan : ExecutionPlanner.Plan(experiments, cache, options.Until, [], cancellationToken);
            var results = new Dictionary<string, PipelineResult>(StringComparer.Ordinal);
            foreach (var experiment in experiments)
            {
                var names = StageGraph.Build(experiment.Stages).Ordered.Select(d => d.Name).ToList();
                var outcomes = new List<StageOutcome>();
                foreach (var name in names.Where(after.ByExperiment[experiment.Name].ContainsKey))
                {
                    var stage = after.ByExperiment[experiment.Name][name];
                    var outcome = report.Outcomes.GetValueOrDefault(stage.Identity)
                        ?? (stage.Cached is { } entry ? StageExecutor.Cached(stage.Definition, entry, SilentStageReporter.Instance) with { Status = StageRunStatus.Ran }
                            : throw new InvalidOperationException($"{experiment.Name}/{name} did not produce a cache entry."));
                    outcomes.Add(outcome with { Name = name });
                }
                results[experiment.Name] = new PipelineResult(outcomes, names);
            }
            return new MatrixRunResult(plan, results);
        }
        finally
        {
            cache.HashCache.Save();
        }
    }
}

/// <summary>The plan that ran, and each experiment's result (null: submitted and not waited for).</summary>
public sealed record MatrixRunResult(ExecutionPlan Plan, IReadOnlyDictionary<string, PipelineResult>? Results);
