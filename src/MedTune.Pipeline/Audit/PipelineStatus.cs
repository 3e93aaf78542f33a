namespace MedTune.Pipeline;

public enum StageState
{
    /// <summary>The lock file's key equals the current key and the cache holds the entry with the locked output.</summary>
    UpToDate,
    /// <summary>Something the key depends on changed since the lock file was written (see reasons).</summary>
    Stale,
    /// <summary>The lock file matches the current definition but the cache lacks the entry (e.g. a fresh clone).</summary>
    Missing,
    /// <summary>The stage has never been locked.</summary>
    NotInLock,
}

/// <param name="CurrentKey">The key the stage would have now; null if it cannot be known yet (an upstream is not built).</param>
/// <param name="LockedKey">The key in the lock file, if any.</param>
/// <param name="Reasons">Why the stage is not up to date, e.g. <c>config.train.learning_rate changed 0.0003 -> 0.001</c>.</param>
public sealed record StageStatus(string Name, string Kind, StageState State, string? CurrentKey, string? LockedKey, IReadOnlyList<string> Reasons);

/// <summary>The library side of <c>medtune status</c>: compares the current stage definitions with the lock file and the cache.</summary>
public static class PipelineStatus
{
    public static IReadOnlyList<StageStatus> Compute(
        IReadOnlyList<StageDefinition> definitions, LockFile? lockFile, StageCache cache, int seed, CancellationToken cancellationToken = default)
    {
        var graph = StageGraph.Build(definitions);
        var statuses = new List<StageStatus>();
        // Output hash of each stage's current-key entry, when that entry exists (downstream keys need it).
        var currentOutputs = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            foreach (var definition in graph.Ordered)
                statuses.Add(ComputeOne(definition, lockFile, cache, seed, currentOutputs, cancellationToken));
        }
        finally
        {
            cache.HashCache.Save();
        }
        return statuses;
    }

    private static StageStatus ComputeOne(
        StageDefinition definition, LockFile? lockFile, StageCache cache, int seed, Dictionary<string, string> currentOutputs, CancellationToken cancellationToken)
    {
        var kind = definition.Stage.Kind;
        LockedStage? locked = null;
        lockFile?.Stages.TryGetValue(definition.Name, out locked);
        var reasons = new List<string>();

        var inputHashes = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var input in definition.Inputs)
        {
            if (File.Exists(input.Path) || Directory.Exists(input.Path)) inputHashes[input.Name] = cache.Hasher.HashPath(input.Path, cancellationToken);
            else reasons.Add($"input {input.Name} not found at {input.Path}");
        }
        var upstreamHashes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var upstream in definition.DependsOn)
        {
            if (currentOutputs.TryGetValue(upstream, out var hash)) upstreamHashes[upstream] = hash;
            else reasons.Add($"upstream {upstream} is not built for its current inputs");
        }

        if (reasons.Count > 0)
        {
            // The key cannot be computed; still explain what is known to differ from the lock file.
            if (locked is not null)
            {
                var known = new StageKeyInputs(kind, definition.Stage.ImplementationVersion, CanonicalJson.Normalize(definition.Config)!, seed,
                    locked.Inputs.ToDictionary(p => p.Key, p => inputHashes.GetValueOrDefault(p.Key, p.Value)),
                    locked.Upstream);
                reasons.InsertRange(0, known.DescribeChangesSince(locked.ToKeyInputs()));
            }
            return new StageStatus(definition.Name, kind, locked is null ? StageState.NotInLock : StageState.Stale, null, locked?.Key, reasons);
        }

        var current = StageKeys.Compose(definition, seed, inputHashes, upstreamHashes);
        var key = current.ComputeKey();
        var entry = cache.TryGetEntry(kind, key);
        if (entry is not null) currentOutputs[definition.Name] = entry.Record.OutputHash;

        if (locked is null)
            return new StageStatus(definition.Name, kind, StageState.NotInLock, key, null,
                [entry is null ? "not run yet" : "cached, but the lock file has not recorded it"]);
        if (locked.Key == key)
        {
            if (entry is null)
                return new StageStatus(definition.Name, kind, StageState.Missing, key, locked.Key, [$"output not in the cache at {cache.EntryDirectory(kind, key)}"]);
            if (entry.Record.OutputHash != locked.OutputHash) // e.g. a forced re-run of a non-deterministic stage
                return new StageStatus(definition.Name, kind, StageState.Stale, key, locked.Key,
                    [$"the cached output ({entry.Record.OutputHash[..12]}) is not the one the lock file records ({locked.OutputHash[..12]}); run again to update the lock file"]);
            return new StageStatus(definition.Name, kind, StageState.UpToDate, key, locked.Key, []);
        }

        reasons.AddRange(current.DescribeChangesSince(locked.ToKeyInputs()));
        if (reasons.Count == 0) reasons.Add("the cache key scheme changed (medtune upgrade)");
        return new StageStatus(definition.Name, kind, StageState.Stale, key, locked.Key, reasons);
    }
}
