namespace MedTune.Pipeline;

/// <summary>
/// Checks a published cache entry against its record before it is reused: every recorded file present with its
/// size and SHA-256, no extra file. Hashes go through the cache's <see cref="HashCache"/>, so an untouched file
/// costs a stat (size, mtime, inode) and only a file written since it was hashed is read again. A change that
/// keeps size, mtime and inode (bit rot under the file system) is left to <c>medtune verify</c>, which reads every byte.
/// </summary>
public static class EntryIntegrity
{
    /// <summary>One line per damaged file ("adapter_model.safetensors changed"), empty when the entry is intact.</summary>
    public static IReadOnlyList<string> Check(CacheEntry entry, ContentHasher hasher)
    {
        var damage = new List<string>();
        var present = ContentHasher.ListFiles(entry.Directory).ToHashSet(StringComparer.Ordinal);
        foreach (var (file, recorded) in entry.Record.Outputs)
        {
            var path = Path.Combine(entry.Directory, file);
            if (!present.Contains(file)) damage.Add($"{file} is missing");
            else if (new FileInfo(path).Length != recorded.Size || hasher.HashFile(path) != recorded.Sha256)
                damage.Add($"{file} changed (its SHA-256 differs from the record)");
        }
        foreach (var file in present.Where(f => !entry.Record.Outputs.ContainsKey(f)).Order(StringComparer.Ordinal))
            damage.Add($"{file} is not in the record");
        return damage;
    }
}
