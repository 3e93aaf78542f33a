namespace MedTune.Testing;

/// <summary>
/// Locates the read-only evaluation data (IgakuQA, JJSIMQA, DenQA). Set <c>MEDTUNE_SHARED_DATA</c> to
/// point elsewhere; otherwise the <c>shared/data</c> folder beside the repository root is used.
/// </summary>
public static class SharedData
{
    public static string? Root
    {
        get
        {
            var fromEnv = Environment.GetEnvironmentVariable("MEDTUNE_SHARED_DATA");
            if (!string.IsNullOrEmpty(fromEnv)) return Directory.Exists(fromEnv) ? fromEnv : null;
            var candidate = Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "data"));
            return Directory.Exists(candidate) ? candidate : null;
        }
    }

    /// <summary>The repository root (the directory holding Pipeline.sln).</summary>
    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Pipeline.sln"))) dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("Pipeline.sln not found above " + AppContext.BaseDirectory);
        }
    }

    public static string Require(params string[] parts)
    {
        var root = Root ?? throw new InvalidOperationException(
            "Shared evaluation data not found: set MEDTUNE_SHARED_DATA or place shared/data beside the repository. "
            + "Tests that need it carry [Trait(\"Category\", \"SharedData\")]; the README's unit-test command leaves them out.");
        return Path.Combine(new[] { root }.Concat(parts).ToArray());
    }
}

/// <summary>A temporary directory deleted on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "medtune-test-" + Guid.NewGuid().ToString("N")[..12]);
    public TempDirectory() => Directory.CreateDirectory(Path);
    public string File(string name) => System.IO.Path.Combine(Path, name);
    public void Dispose() { try { Directory.Delete(Path, recursive: true); } catch (IOException) { } }
}
