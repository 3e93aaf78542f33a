namespace MedTune.Pipeline;

public enum DriftKind
{
    /// <summary>The cache has no complete entry for the locked key.</summary>
    EntryMissing,
    FileChanged,
    FileMissing,
    /// <summary>A file in the entry that the lock file does not list.</summary>
    FileExtra,
}

/// <param name="Path">The output file (relative to the entry), or the entry directory for <see cref="DriftKind.EntryMissing"/>.</param>
public sealed record OutputDrift(string Stage, DriftKind Kind, string Path, string? Expected, string? Actual)
{
    public override string ToString() => Kind switch
    {
        DriftKind.EntryMissing => $"{Stage}: cache entry missing ({Path})",
        DriftKind.FileChanged => $"{Stage}: {Path} changed (lock {Expected}, now {Actual})",
        DriftKind.FileMissing => $"{Stage}: {Path} missing",
        _ => $"{Stage}: {Path} is not in the lock file",
    };
}

/// <summary>How one stage's re-execution compared with the lock file.</summary>
/// <param name="KeyMatches">The re-run computed the locked key (same config, inputs and upstream outputs).</param>
/// <param name="OutputMatches">The re-run's output is bit-for-bit the locked output.</param>
/// <param name="DifferingFiles">Output files whose hash differs, or that only one side has.</param>
public sealed record RerunComparison(
    string Stage, bool KeyMatches, bool OutputMatches, string LockedOutputHash, string RerunOutputHash, IReadOnlyList<string> DifferingFiles);

/// <summary>The library side of <c>medtune verify</c> and <c>medtune verify --rerun</c>.</summary>
public static class PipelineVerifier
{
    /// <summary>Re-hashes every locked stage's cached output (reading every byte) and lists what differs from the lock file.</summary>
    public static IReadOnlyList<OutputDrift> Verify(LockFile lockFile, StageCache cache, CancellationToken cancellationToken = default)
    {
        var drift = new List<OutputDrift>();
        foreach (var (name, locked) in lockFile.Stages)
        {
            var directory = cache.EntryDirectory(locked.Kind, locked.Key);
            if (!File.Exists(Path.Combine(directory, StageCache.RecordFileName)))
            {
                drift.Add(new OutputDrift(name, DriftKind.EntryMissing, directory, locked.OutputHash, null));
                continue;
            }
            var actual = ContentHasher.Uncached.HashFiles(directory, cancellationToken).ToDictionary(f => f.RelativePath, StringComparer.Ordinal);
            foreach (var (file, expected) in locked.Outputs)
            {
                if (!actual.TryGetValue(file, out var found)) drift.Add(new OutputDrift(name, DriftKind.FileMissing, file, expected.Sha256, null));
                else if (found.Sha256 != expected.Sha256 || found.Size != expected.Size)
                    drift.Add(new OutputDrift(name, DriftKind.FileChanged, file, expected.Sha256, found.Sha256));
            }
            foreach (var file in actual.Keys.Where(f => !locked.Outputs.ContainsKey(f)).OrderBy(f => f, StringComparer.Ordinal))
                drift.Add(new OutputDrift(name, DriftKind.FileExtra, file, null, actual[file].Sha256));
        }
        return drift;
    }

    /// <summary>
    /// Re-executes every stage from scratch into <paramref name="scratchCacheRoot"/> (forced, so nothing is reused)
    /// and compares each stage's output with the lock file: which stages reproduce bit-for-bit.
    /// </summary>
    public static async Task<IReadOnlyList<RerunComparison>> RerunAsync(
        IReadOnlyList<StageDefinition> definitions, LockFile lockFile, string scratchCacheRoot, int seed,
        IStageReporter? reporter = null, string? experimentDirectory = null, CancellationToken cancellationToken = default)
    {
        var runner = new PipelineRunner(new PipelineRunnerOptions
        {
            CacheRoot = scratchCacheRoot,
            Seed = seed,
            Force = definitions.Select(d => d.Name).ToList(),
            Reporter = reporter ?? SilentStageReporter.Instance,
            ExperimentDirectory = experimentDirectory,
        });
        var result = await runner.RunAsync(definitions, cancellationToken);
        var comparisons = new List<RerunComparison>();
        foreach (var outcome in result.Stages)
        {
            if (!lockFile.Stages.TryGetValue(outcome.Name, out var locked)) continue;
            var differing = locked.Outputs.Keys.Union(outcome.Record.Outputs.Keys)
                .Where(f => !locked.Outputs.TryGetValue(f, out var a) || !outcome.Record.Outputs.TryGetValue(f, out var b) || a != b)
                .OrderBy(f => f, StringComparer.Ordinal).ToList();
            comparisons.Add(new RerunComparison(outcome.Name, outcome.Key == locked.Key, outcome.OutputHash == locked.OutputHash,
                locked.OutputHash, outcome.OutputHash, differing));
        }
        return comparisons;
    }
}
