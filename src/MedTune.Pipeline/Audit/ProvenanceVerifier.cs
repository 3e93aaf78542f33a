namespace MedTune.Pipeline;

/// <summary>One checked entry of a provenance statement.</summary>
/// <param name="What"><c>subject</c> or <c>material</c>.</param>
/// <param name="Name">The subject path (relative to the cache) or material name.</param>
/// <param name="Ok">Whether the digest matched.</param>
/// <param name="Detail">What was compared, or why it failed (naming the file).</param>
public sealed record ProvenanceCheck(string What, string Name, bool Ok, string Detail);

/// <summary>
/// Checks a <see cref="ProvenanceStatement"/> against the cache (every subject re-hashed from
/// <c>&lt;cache&gt;/&lt;subject name&gt;</c>) and the inputs (the manifest, each input the manifest names, by its logical
/// name, re-hashed where it points now; source stages re-hashed from their cache entry). The tool material is
/// reported, not compared: a later medtune may check an earlier one's statement.
/// </summary>
public static class ProvenanceVerifier
{
    /// <param name="inputs">Input logical name → its path on this machine (from the manifest).</param>
    public static IReadOnlyList<ProvenanceCheck> Verify(ProvenanceStatement statement, StageCache cache, string manifestPath,
        IReadOnlyDictionary<string, string> inputs, CancellationToken cancellationToken = default)
    {
        var checks = new List<ProvenanceCheck>();
        foreach (var subject in statement.Subject)
        {
            var name = subject.Name ?? "";
            var path = Path.Combine(cache.Root, name);
            if (name.Length == 0 || Path.IsPathRooted(name) || name.Split('/').Contains(".."))
                checks.Add(new("subject", name, false, "not a path inside the cache"));
            else if (!File.Exists(path))
                checks.Add(new("subject", name, false, $"{path} is missing from the cache (run the experiment, or pass --cache)"));
            else
                checks.Add(Compare("subject", name, subject.Digest, "sha256", cache.Hasher.HashFile(path, cancellationToken), path));
        }

        foreach (var material in statement.Predicate.BuildDefinition.ResolvedDependencies)
        {
            var name = material.Name ?? material.Uri ?? "";
            if (name == ProvenanceStatement.ToolMaterial)
            {
                checks.Add(new("material", name, true,
                    $"made by medtune {material.Annotations?.GetValueOrDefault("version") ?? material.Uri}; not compared"));
                continue;
            }
            if (name == ProvenanceStatement.ManifestMaterial)
            {
                checks.Add(Compare("material", name, material.Digest, "sha256", cache.Hasher.HashFile(manifestPath, cancellationToken), manifestPath));
                continue;
            }
            if (material.Annotations?.GetValueOrDefault("cache_entry") is { } entry)
            {
                var directory = Path.Combine(cache.Root, entry);
                checks.Add(Directory.Exists(directory)
                    ? Compare("material", name, material.Digest, ProvenanceStatement.DirectoryDigest, cache.Hasher.HashDirectory(directory, cancellationToken), directory)
                    : new("material", name, false, $"{directory} is missing from the cache"));
                continue;
            }
            if (!inputs.TryGetValue(name, out var inputPath))
            {
                checks.Add(new("material", name, false, $"'{material.Uri}' is not an input of {Path.GetFileName(manifestPath)} any more"));
                continue;
            }
            if (!File.Exists(inputPath) && !Directory.Exists(inputPath))
            {
                checks.Add(new("material", name, false, $"{inputPath} does not exist"));
                continue;
            }
            var algorithm = Directory.Exists(inputPath) ? ProvenanceStatement.DirectoryDigest : "sha256";
            checks.Add(Compare("material", name, material.Digest, algorithm, cache.Hasher.HashPath(inputPath, cancellationToken), inputPath));
        }
        cache.HashCache.Save();
        return checks;
    }

    private static ProvenanceCheck Compare(string what, string name, IReadOnlyDictionary<string, string> digest, string algorithm, string actual, string path)
    {
        if (!digest.TryGetValue(algorithm, out var expected))
            return new(what, name, false, $"the statement gives no {algorithm} digest for {path}");
        return expected == actual
            ? new(what, name, true, $"{algorithm} {actual[..12]}")
            : new(what, name, false, $"{path}: {algorithm} is {actual[..12]}…, the statement says {expected[..Math.Min(12, expected.Length)]}…");
    }
}
