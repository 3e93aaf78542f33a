namespace MedTune.Pipeline;

public enum CollectedKind
{
    /// <summary>A published entry no kept lock file references.</summary>
    Entry,
    /// <summary>A build directory abandoned by a crashed or killed run.</summary>
    AbandonedBuild,
    /// <summary>A resumable work directory of a key no kept lock file references.</summary>
    WorkDirectory,
}

public sealed record CollectedItem(string Path, CollectedKind Kind, long Bytes);

/// <param name="Removed">What was removed (or, in a dry run, would be).</param>
/// <param name="Skipped">Directories left alone because a running medtune holds their key's lock.</param>
public sealed record CollectionResult(IReadOnlyList<CollectedItem> Removed, IReadOnlyList<string> Skipped, bool DryRun)
{
    /// <summary>Unreferenced directories left alone because they were written within the grace period.</summary>
    public IReadOnlyList<string> TooRecent { get; init; } = [];

    public long BytesFreed => Removed.Sum(r => r.Bytes);
}

/// <summary>The library side of <c>medtune gc</c>: removes cache entries that none of the given lock files references.</summary>
public static class CacheGarbageCollector
{
    /// <param name="minimumAge">Never remove a directory written more recently than this (another run may be about to
    /// reference it: a stage finished but its lock file is not committed yet). Zero removes regardless of age.</param>
    /// <param name="now">The current time (tests pass a fixed one).</param>
    public static CollectionResult Collect(string cacheRoot, IEnumerable<LockFile> keep, bool dryRun, TimeSpan? minimumAge = null, DateTime? now = null)
    {
        var cutoff = (now ?? DateTime.UtcNow) - (minimumAge ?? TimeSpan.Zero);
        var tooRecent = new List<string>();
        var cache = new StageCache(cacheRoot);
        var kept = keep.SelectMany(l => l.Stages.Values).Select(s => (s.Kind, s.Key)).ToHashSet();
        var removed = new List<CollectedItem>();
        var skipped = new List<string>();
        if (!Directory.Exists(cache.Root)) return new CollectionResult(removed, skipped, dryRun);

        foreach (var kindDirectory in Directory.EnumerateDirectories(cache.Root).Order(StringComparer.Ordinal))
        {
            var kind = Path.GetFileName(kindDirectory);
            if (kind.StartsWith('.')) continue;
            foreach (var directory in Directory.EnumerateDirectories(kindDirectory).Order(StringComparer.Ordinal))
            {
                if (Classify(Path.GetFileName(directory)) is not var (key, what)) continue;
                if (what != CollectedKind.AbandonedBuild && kept.Contains((kind, key))) continue;
                if (LastWrite(directory) > cutoff)
                {
                    tooRecent.Add(directory);
                    continue;
                }
                using var keyLock = cache.TryLock(kind, key);
                if (keyLock is null)
                {
                    skipped.Add(directory);
                    continue;
                }
                removed.Add(new CollectedItem(directory, what, SizeOf(directory)));
                if (!dryRun) Directory.Delete(directory, recursive: true);
            }
        }
        return new CollectionResult(removed, skipped, dryRun) { TooRecent = tooRecent };
    }

    /// <summary>When a cache directory was last written: the newest of the directory and the files directly in it.</summary>
    private static DateTime LastWrite(string directory) =>
        new DirectoryInfo(directory).EnumerateFileSystemInfos().Select(f => f.LastWriteTimeUtc)
            .Append(Directory.GetLastWriteTimeUtc(directory)).Max();

    /// <summary>The key a cache directory belongs to and what it is; null for anything gc does not manage.</summary>
    private static (string Key, CollectedKind Kind)? Classify(string name)
    {
        if (StageCache.IsKey(name)) return (name, CollectedKind.Entry);
        foreach (var (prefix, kind) in new[]
                 {
                     (StageCache.BuildPrefix, CollectedKind.AbandonedBuild), (StageCache.ReplacedPrefix, CollectedKind.AbandonedBuild),
                     (StageCache.WorkPrefix, CollectedKind.WorkDirectory),
                 })
        {
            if (!name.StartsWith(prefix, StringComparison.Ordinal) || name.Length < prefix.Length + 64) continue;
            var key = name.Substring(prefix.Length, 64);
            if (StageCache.IsKey(key)) return (key, kind);
        }
        return null;
    }

    private static long SizeOf(string directory) =>
        new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
}
