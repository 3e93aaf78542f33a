namespace MedTune.Pipeline;

/// <summary>
/// Runs an experiment's stage graph in topological order. A stage whose key has a complete cache entry is
/// reused; otherwise it runs into a fresh build directory that is published atomically. See
/// <see cref="StageCache"/> for the on-disk layout and <see cref="StageExecutor"/> for one stage's life.
/// </summary>
public sealed class PipelineRunner(PipelineRunnerOptions options)
{
    public async Task<PipelineResult> RunAsync(IReadOnlyList<StageDefinition> definitions, CancellationToken cancellationToken = default)
    {
        var graph = StageGraph.Build(definitions);
        var selected = options.Until is null
            ? graph.Ordered.Select(d => d.Name).ToHashSet(StringComparer.Ordinal)
            : graph.WithAncestors(graph.Select(options.Until, "--until"));
        var forced = options.Force.SelectMany(f => graph.Select(f, "--force")).ToHashSet(StringComparer.Ordinal);

        var cache = new StageCache(options.CacheRoot);
        var executor = new StageExecutor(cache, options);
        var outcomes = new Dictionary<string, StageOutcome>(StringComparer.Ordinal);
        var ordered = new List<StageOutcome>();
        try
        {
            foreach (var definition in graph.Ordered.Where(d => selected.Contains(d.Name)))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var outcome = await executor.RunAsync(definition, outcomes, forced.Contains(definition.Name), cancellationToken);
                outcomes[definition.Name] = outcome;
                ordered.Add(outcome);
            }
        }
        finally
        {
            cache.HashCache.Save();
        }
        return new PipelineResult(ordered, graph.Ordered.Select(d => d.Name).ToList());
    }
}
