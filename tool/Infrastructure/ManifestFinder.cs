namespace MedTune.Tool.Infrastructure;

/// <summary>The experiment manifests of a repository: <c>experiments/**/*.yaml</c> (and <c>.yml</c>) under its root, lock files aside.</summary>
public static class ManifestFinder
{
    public static string ExperimentsDirectory(string workingDirectory) =>
        Path.Combine(CacheLocation.RepositoryRoot(workingDirectory) ?? workingDirectory, "experiments");

    public static IReadOnlyList<string> InRepository(string workingDirectory)
    {
        var root = ExperimentsDirectory(workingDirectory);
        if (!Directory.Exists(root)) return [];
        return Directory.EnumerateFiles(root, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal))
            .Where(f => !Path.GetFileName(f).Contains(".lock.", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToArray();
    }
}
