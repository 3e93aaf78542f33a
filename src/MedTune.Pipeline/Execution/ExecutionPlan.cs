namespace MedTune.Pipeline;

/// <summary>
/// One unit of work of an <see cref="ExecutionPlan"/>: a stage that one or more experiments share. Its
/// <see cref="Identity"/> is the stage key computed with each upstream stage's output hash where that is
/// cached, and the upstream's own identity where it still has to run. Two experiments' stages with the same
/// identity compute the same thing, so they run once. When every upstream is cached the identity is the
/// stage's cache key (<see cref="IsKeyKnown"/>).
/// </summary>
public sealed class PlannedStage
{
    public required string Identity { get; init; }
    public required StageDefinition Definition { get; init; }
    public required int Seed { get; init; }
    /// <summary>Upstream stage name (as the definition names it) → the planned stage it is.</summary>
    public required IReadOnlyDictionary<string, PlannedStage> Upstream { get; init; }
    /// <summary>Every (experiment, stage name) this unit serves.</summary>
    public List<(string Experiment, string Stage)> Uses { get; } = [];
    /// <summary>True when every upstream is cached, so <see cref="Identity"/> is the real cache key.</summary>
    public required bool IsKeyKnown { get; init; }
    /// <summary>The cache entry that already holds this stage's output (never for a forced stage).</summary>
    public CacheEntry? Cached { get; init; }
    public bool Forced { get; init; }

    public string Kind => Definition.Stage.Kind;
    /// <summary>Readable name: the stage name, with the first experiment it serves.</summary>
    public string DisplayName => Uses.Count == 1 || Uses.Select(u => u.Experiment).Distinct().Count() == 1
        ? $"{Uses[0].Experiment}/{Uses[0].Stage}"
        : $"{Uses[0].Stage} (shared by {string.Join(", ", Uses.Select(u => u.Experiment).Distinct())})";
}

/// <summary>
/// What has to happen for a set of experiments (a matrix's variants) on one cache: the distinct stages in
/// dependency order, with what is cached already. The planner decides; an <see cref="IPipelineExecutor"/> runs
/// (DVC's split between <c>repro</c>'s plan and the stage cache).
/// </summary>
public sealed class ExecutionPlan
{
    public required IReadOnlyList<ExperimentRun> Experiments { get; init; }
    /// <summary>Every distinct stage, each after the stages it depends on.</summary>
    public required IReadOnlyList<PlannedStage> Stages { get; init; }
    /// <summary>Experiment name → its selected stage names → the planned stage.</summary>
    public required IReadOnlyDictionary<string, IReadOnlyDictionary<string, PlannedStage>> ByExperiment { get; init; }

    public IEnumerable<PlannedStage> Missing => Stages.Where(s => s.Cached is null);
    /// <summary>Stages that serve more than one experiment.</summary>
    public IEnumerable<PlannedStage> Shared => Stages.Where(s => s.Uses.Select(u => u.Experiment).Distinct().Count() > 1);
}

/// <summary>Builds an <see cref="ExecutionPlan"/>: hashes inputs, merges identical stages across experiments, looks up the cache.</summary>
public static class ExecutionPlanner
{
    /// <param name="until">Stage name or kind: keep only it and its ancestors (per experiment).</param>
    /// <param name="force">Stage names or kinds to run even when cached.</param>
    /// <param name="cache">The cache to look stages up in; null plans without one (<c>medtune plan</c>: nothing is
    /// cached, and inputs are identified by their paths, so the files need not exist).</param>
    public static ExecutionPlan Plan(IReadOnlyList<ExperimentRun> experiments, StageCache? cache,
        string? until = null, IReadOnlyCollection<string>? force = null, CancellationToken cancellationToken = default)
    {
        var byIdentity = new Dictionary<string, PlannedStage>(StringComparer.Ordinal);
        var ordered = new List<PlannedStage>();
        var byExperiment = new Dictionary<string, IReadOnlyDictionary<string, PlannedStage>>(StringComparer.Ordinal);
        foreach (var experiment in experiments)
        {
            var graph = StageGraph.Build(experiment.Stages);
            var selected = until is null
                ? graph.Ordered.Select(d => d.Name).ToHashSet(StringComparer.Ordinal)
                : graph.WithAncestors(graph.Select(until, "--until"));
            var forced = (force ?? []).SelectMany(f => graph.Select(f, "--force")).ToHashSet(StringComparer.Ordinal);
            var planned = new Dictionary<string, PlannedStage>(StringComparer.Ordinal);
            foreach (var definition in graph.Ordered.Where(d => selected.Contains(d.Name)))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var upstream = definition.DependsOn.ToDictionary(name => name, name => planned[name], StringComparer.Ordinal);
                var keyKnown = upstream.Values.All(u => u.Cached is not null);
                var inputs = cache is null
                    ? new SortedDictionary<string, string>(definition.Inputs.ToDictionary(i => i.Name, i => "path:" + i.Path), StringComparer.Ordinal)
                    : StageKeys.HashInputs(definition, cache.Hasher, cancellationToken);
                var identity = StageKeys.Compose(definition, experiment.Seed, inputs,
                    upstream.ToDictionary(u => u.Key, u => u.Value.Cached?.Record.OutputHash ?? "pending:" + u.Value.Identity)).ComputeKey();
                var isForced = forced.Contains(definition.Name);
                if (!byIdentity.TryGetValue(identity, out var stage))
                {
                    stage = new PlannedStage
                    {
                        Identity = identity, Definition = definition, Seed = experiment.Seed, Upstream = upstream,
                        IsKeyKnown = keyKnown, Forced = isForced,
                        // A damaged entry is not planned as cached: the executor reports it and rebuilds it.
                        Cached = keyKnown && !isForced && cache?.TryGetEntry(definition.Stage.Kind, identity) is { } entry
                                 && EntryIntegrity.Check(entry, cache.Hasher).Count == 0 ? entry : null,
                    };
                    byIdentity[identity] = stage;
                    ordered.Add(stage);
                }
                stage.Uses.Add((experiment.Name, definition.Name));
                planned[definition.Name] = stage;
            }
            byExperiment[experiment.Name] = planned;
        }
        return new ExecutionPlan { Experiments = experiments, Stages = ordered, ByExperiment = byExperiment };
    }
}
