using System.Text.Json;
using System.Text.Json.Nodes;

namespace MedTune.Pipeline;

/// <summary>
/// Remembers the SHA-256 of files by (absolute path, size, mtime, inode) so that a 140 GB checkpoint is hashed
/// once, not on every run (DVC keeps the same kind of state). Persisted as JSON, written atomically and merged
/// with what other processes saved meanwhile. A corrupt cache file is discarded: it only costs re-hashing.
/// </summary>
public sealed class HashCache
{
    private readonly string filePath;
    private readonly Dictionary<string, Entry> entries;
    private readonly object gate = new();
    private bool dirty;

    private HashCache(string filePath, Dictionary<string, Entry> entries) => (this.filePath, this.entries) = (filePath, entries);

    public string FilePath => filePath;

    public static HashCache Open(string filePath) => new(Path.GetFullPath(filePath), Load(filePath));

    public bool TryGet(string absolutePath, FileIdentity identity, out string sha256)
    {
        lock (gate)
        {
            if (entries.TryGetValue(absolutePath, out var entry) && entry.Identity == identity)
            {
                sha256 = entry.Sha256;
                return true;
            }
        }
        sha256 = "";
        return false;
    }

    public void Put(string absolutePath, FileIdentity identity, string sha256)
    {
        lock (gate)
        {
            entries[absolutePath] = new Entry(identity, sha256);
            dirty = true;
        }
    }

    /// <summary>Saves new entries (merged with the file's current content); drops entries whose file changed or vanished.</summary>
    public void Save()
    {
        lock (gate)
        {
            if (!dirty) return;
            foreach (var (path, entry) in Load(filePath))
                entries.TryAdd(path, entry);
            var root = new JsonObject { ["version"] = 1 };
            var files = new JsonObject();
            foreach (var (path, entry) in entries.OrderBy(e => e.Key, StringComparer.Ordinal))
            {
                var info = new FileInfo(path);
                if (!info.Exists || FileIdentity.Of(info) != entry.Identity) continue;
                files[path] = new JsonObject
                {
                    ["size"] = entry.Identity.Size,
                    ["mtime_ticks"] = entry.Identity.ModifiedTicksUtc,
                    ["inode"] = entry.Identity.Inode,
                    ["sha256"] = entry.Sha256,
                };
            }
            root["files"] = files;
            AtomicFile.WriteAllText(filePath, CanonicalJson.Serialize(root));
            dirty = false;
        }
    }

    private static Dictionary<string, Entry> Load(string filePath)
    {
        var result = new Dictionary<string, Entry>(StringComparer.Ordinal);
        if (!File.Exists(filePath)) return result;
        try
        {
            var files = JsonNode.Parse(File.ReadAllText(filePath))?["files"]?.AsObject();
            if (files is null) return result;
            foreach (var (path, node) in files)
            {
                if (node is null) continue;
                var identity = new FileIdentity(
                    node["size"]!.GetValue<long>(), node["mtime_ticks"]!.GetValue<long>(), node["inode"]?.GetValue<ulong>());
                result[path] = new Entry(identity, node["sha256"]!.GetValue<string>());
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException or FormatException)
        {
            result.Clear();
        }
        return result;
    }

    private sealed record Entry(FileIdentity Identity, string Sha256);
}
