using System.Text.RegularExpressions;

namespace MedTune.Pipeline;

/// <summary>A complete, published cache entry.</summary>
public sealed record CacheEntry(string Directory, StageRecord Record);

/// <summary>
/// The content-addressed store of stage outputs (DVC-style). Layout under <see cref="Root"/>:
/// <list type="bullet">
/// <item><c>&lt;kind&gt;/&lt;key&gt;/</c> — a published entry; complete iff it holds <see cref="RecordFileName"/>.</item>
/// <item><c>&lt;kind&gt;/.tmp-&lt;key&gt;-&lt;guid&gt;/</c> — an entry being built; renamed into place when done.</item>
/// <item><c>&lt;kind&gt;/.work-&lt;key&gt;/</c> — a stage's resumable scratch space; survives crashes, deleted after publish.</item>
/// <item><c>&lt;kind&gt;/.lock-&lt;key&gt;</c> — the key's cross-process lock file.</item>
/// <item><c>.hashes.json</c> — the <see cref="HashCache"/> of input files.</item>
/// </list>
/// </summary>
public sealed partial class StageCache
{
    public const string RecordFileName = ".medtune-record.json";
    public const string BuildPrefix = ".tmp-";
    public const string WorkPrefix = ".work-";
    public const string LockPrefix = ".lock-";
    public const string ReplacedPrefix = ".old-";
    public const string HashCacheFileName = ".hashes.json";

    public StageCache(string root)
    {
        Root = Path.GetFullPath(root);
        HashCache = HashCache.Open(Path.Combine(Root, HashCacheFileName));
        Hasher = new ContentHasher(HashCache);
    }

    public string Root { get; }
    public HashCache HashCache { get; }
    /// <summary>Hashes input files, remembering hashes in <see cref="HashCache"/>.</summary>
    public ContentHasher Hasher { get; }

    public string KindDirectory(string kind) => Path.Combine(Root, CheckKind(kind));
    public string EntryDirectory(string kind, string key) => Path.Combine(KindDirectory(kind), CheckKey(key));
    public string WorkDirectory(string kind, string key) => Path.Combine(KindDirectory(kind), WorkPrefix + CheckKey(key));
    public string LockFilePath(string kind, string key) => Path.Combine(KindDirectory(kind), LockPrefix + CheckKey(key));

    /// <summary>The published entry for the key, or null if there is none (a directory without a record is not an entry).</summary>
    public CacheEntry? TryGetEntry(string kind, string key)
    {
        var directory = EntryDirectory(kind, key);
        var record = Path.Combine(directory, RecordFileName);
        return File.Exists(record) ? new CacheEntry(directory, StageRecord.Read(record)) : null;
    }

    public KeyLock? TryLock(string kind, string key) => KeyLock.TryAcquire(LockFilePath(kind, key));

    public Task<KeyLock> LockAsync(string kind, string key, Action onWait, TimeSpan pollInterval, CancellationToken cancellationToken) =>
        KeyLock.AcquireAsync(LockFilePath(kind, key), onWait, pollInterval, cancellationToken);

    /// <summary>A fresh, empty build directory for the key. Caller holds the key's lock.</summary>
    public string CreateBuildDirectory(string kind, string key)
    {
        var directory = Path.Combine(KindDirectory(kind), $"{BuildPrefix}{CheckKey(key)}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        return directory;
    }

    /// <summary>
    /// Deletes build directories (and half-replaced entries) of <paramref name="key"/> left by crashed runs.
    /// Caller holds the key's lock, so none of them is in use. Returns the deleted paths.
    /// </summary>
    public IReadOnlyList<string> RemoveAbandonedBuilds(string kind, string key)
    {
        var kindDirectory = KindDirectory(kind);
        if (!Directory.Exists(kindDirectory)) return [];
        var removed = new List<string>();
        foreach (var prefix in new[] { BuildPrefix, ReplacedPrefix })
            foreach (var directory in Directory.EnumerateDirectories(kindDirectory, prefix + CheckKey(key) + "-*"))
            {
                Directory.Delete(directory, recursive: true);
                removed.Add(directory);
            }
        return removed;
    }

    /// <summary>
    /// Publishes a finished build: writes the record into it (last), then renames it to the entry directory.
    /// An existing entry (a forced re-run) is first renamed aside, then deleted, so readers never see a
    /// half-written entry, only briefly none. Caller holds the key's lock.
    /// </summary>
    public CacheEntry Publish(string buildDirectory, StageRecord record)
    {
        AtomicFile.WriteAllText(Path.Combine(buildDirectory, RecordFileName), record.ToFileText());
        var entry = EntryDirectory(record.Kind, record.Key);
        string? replaced = null;
        if (Directory.Exists(entry))
        {
            replaced = Path.Combine(KindDirectory(record.Kind), $"{ReplacedPrefix}{record.Key}-{Guid.NewGuid():N}");
            Directory.Move(entry, replaced);
        }
        Directory.Move(buildDirectory, entry);
        if (replaced is not null) Directory.Delete(replaced, recursive: true);
        return new CacheEntry(entry, record);
    }

    /// <summary>True for a directory name that is a published entry's key (64 lower-case hex digits).</summary>
    public static bool IsKey(string name) => KeyPattern().IsMatch(name);

    private static string CheckKey(string key) =>
        IsKey(key) ? key : throw new ArgumentException($"'{key}' is not a stage key (64 lower-case hex digits).", nameof(key));

    private static string CheckKind(string kind) =>
        KindPattern().IsMatch(kind) ? kind
            : throw new PipelineDefinitionException($"Stage kind '{kind}' is not usable as a cache directory name: use lower-case letters, digits, '-' and '_'.");

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex KeyPattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]*$")]
    private static partial Regex KindPattern();
}
