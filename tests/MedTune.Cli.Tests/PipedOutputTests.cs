using System.Diagnostics;
using MedTune.Testing;
using static MedTune.Cli.Tests.TestExperiments;

namespace MedTune.Cli.Tests;

/// <summary>
/// Issue 14 item 6: when standard output is not a terminal (<c>medtune … | cat</c>, a CI log), nothing wraps, tables are
/// Markdown rows, and <c>COLUMNS</c> is honoured. These run the real <c>medtune</c> process with its output piped.
/// </summary>
public sealed class PipedOutputTests
{
    [Fact]
    public async Task Piped_status_keeps_long_paths_and_table_rows_on_one_line()
    {
        // medtune status quickstart.yaml --cache <a path longer than 80 columns> | cat
        using var dir = new TempDirectory();
        var manifest = Quickstart(dir.Path);
        // The committed lock file with an empty cache: every stage is "missing from cache at <path>".
        File.Copy(Path.Combine(SharedData.RepoRoot, "experiments", "quickstart.lock.json"), dir.File("quickstart.lock.json"));
        var cache = dir.File(string.Join("/", Enumerable.Repeat("a-rather-long-directory-name", 4)));
        var (code, output) = await Medtune.RunPipedAsync(["status", manifest, "--cache", cache]);

        Assert.True(code == 3, output); // nothing is cached in a new cache: not up to date
        Assert.DoesNotContain('│', output);
        Assert.DoesNotContain("\u001b[", output);
        var rows = output.Split('\n').Where(l => l.StartsWith('|')).ToList();
        Assert.Contains(rows, r => r.Contains("| stage", StringComparison.Ordinal) && r.Contains("| state", StringComparison.Ordinal));
        Assert.All(rows, r => Assert.Equal(4, r.Count(c => c == '|'))); // every row whole: 3 cells
        Assert.Contains(rows, r => r.Contains(Path.Combine(cache, "base-model"), StringComparison.Ordinal)); // the path in one piece
        Assert.All(output.Split('\n'), l => Assert.Equal(l.TrimEnd(), l));
    }

    [Fact]
    public async Task Columns_sets_the_width_when_given()
    {
        // COLUMNS=60 medtune status quickstart.yaml | cat
        using var dir = new TempDirectory();
        var manifest = Quickstart(dir.Path);
        var (_, output) = await Medtune.RunPipedAsync(["status", manifest, "--cache", dir.File("cache")], columns: "60");
        Assert.All(output.Split('\n'), l => Assert.True(l.Length <= 60, $"{l.Length} > 60: {l}"));
    }

    [Fact]
    public async Task Table_titles_stay_whole_above_their_table()
    {
        // medtune plan experiments/quickstart-matrix.yaml | cat   (Spectre wraps a title to its table's width)
        var (code, output) = await Medtune.RunPipedAsync(["plan", Path.Combine(SharedData.RepoRoot, "experiments", "quickstart-matrix.yaml")]);
        Assert.True(code == 0, output);
        var lines = output.Split('\n');
        var title = Array.IndexOf(lines, "stages shared by several variants (run once)");
        Assert.True(title >= 0, output);
        Assert.StartsWith("| stage ", lines[title + 1]);
    }

    [Fact]
    public async Task Errors_are_not_wrapped_either()
    {
        // medtune validate bad.yaml | cat    (a long file:line:col error stays on one line)
        using var dir = new TempDirectory();
        var deep = dir.File(string.Join("/", Enumerable.Repeat("nested-experiment-directory", 4)));
        Directory.CreateDirectory(deep);
        var bad = Path.Combine(deep, "bad.yaml");
        File.WriteAllText(bad, "name: bad\nlora:\n  target_module: [q_proj]\n");
        var (code, output) = await Medtune.RunPipedAsync(["validate", bad]);
        Assert.Equal(2, code);
        Assert.Contains(output.Split('\n'), l => l.Contains(bad + ":3:3", StringComparison.Ordinal) && l.Contains("lora.target_module", StringComparison.Ordinal));
    }
}

/// <summary>Runs the built <c>medtune</c> as a child process with its standard output piped, as <c>medtune … | cat</c> does.</summary>
internal static class Medtune
{
    public static async Task<(int ExitCode, string Output)> RunPipedAsync(IEnumerable<string> args, string? columns = null, int timeoutSeconds = 600)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "medtune.dll"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment.Remove("COLUMNS");
        if (columns is not null) start.Environment["COLUMNS"] = columns;
        start.Environment.Remove("MEDTUNE_CACHE");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        try { await process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"medtune {string.Join(" ", args)} did not finish within {timeoutSeconds} s");
        }
        return (process.ExitCode, await stdout + await stderr);
    }
}
