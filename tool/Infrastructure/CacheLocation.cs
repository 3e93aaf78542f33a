namespace MedTune.Tool.Infrastructure;

/// <summary>
/// Where the stage cache lives: <c>--cache DIR</c>, else <c>$MEDTUNE_CACHE</c>, else <c>artifacts/cache</c> under the
/// git work tree that holds the manifest (or beside the manifest outside git) — DVC keeps its cache per repository too.
/// </summary>
public static class CacheLocation
{
    public static string Resolve(string? option, string manifestPath)
    {
        if (!string.IsNullOrWhiteSpace(option)) return Path.GetFullPath(option);
        var fromEnv = Environment.GetEnvironmentVariable("MEDTUNE_CACHE");
        if (!string.IsNullOrWhiteSpace(fromEnv)) return Path.GetFullPath(fromEnv);
        var start = Path.GetDirectoryName(Path.GetFullPath(manifestPath))!;
        return Path.Combine(RepositoryRoot(start) ?? start, "artifacts", "cache");
    }

    /// <summary>The default cache of the git work tree holding <paramref name="directory"/>; null outside git.</summary>
    public static string? RepositoryCache(string directory) =>
        RepositoryRoot(Path.GetFullPath(directory)) is { } root ? Path.Combine(root, "artifacts", "cache") : null;

    /// <summary>
    /// Where the stable copies of the latest reports go: <c>artifacts/reports</c> under the git work tree that holds the
    /// manifest (or beside the manifest outside git), whatever the cache location.
    /// </summary>
    public static string ReportsRoot(string manifestPath)
    {
        var start = Path.GetDirectoryName(Path.GetFullPath(manifestPath))!;
        return Path.Combine(RepositoryRoot(start) ?? start, "artifacts", "reports");
    }

    public static string? RepositoryRoot(string directory)
    {
        for (var dir = new DirectoryInfo(directory); dir is not null; dir = dir.Parent)
            if (Directory.Exists(Path.Combine(dir.FullName, ".git")) || File.Exists(Path.Combine(dir.FullName, ".git")))
                return dir.FullName;
        return null;
    }
}
