using System.Text.Json.Nodes;
using MedTune.Testing;
using static MedTune.Cli.Tests.TestExperiments;

namespace MedTune.Cli.Tests;

/// <summary>
/// Issue 14 items 4, 6 and 8 on the real thing: the quickstart run by the <c>medtune</c> process with its output piped
/// (<c>medtune run … | cat</c>), then <c>--quiet</c>, <c>verify --json</c> and <c>status</c> after an edit. Minutes: EndToEnd.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class PipedQuickstartEndToEndTests
{
    [Fact]
    public async Task The_piped_quickstart_breaks_no_line_and_the_follow_up_commands_print_what_they_promise()
    {
        using var dir = new TempDirectory();
        var manifest = Quickstart(dir.Path);
        var cache = dir.File("cache");

        // medtune run quickstart.yaml --cache DIR | cat
        var (code, output) = await Medtune.RunPipedAsync(["run", manifest, "--cache", cache]);
        Assert.True(code == 0, output);
        var lines = output.Split('\n');
        Assert.DoesNotContain('│', output);
        Assert.DoesNotContain(".tmp-", output); // temporary build paths are never shown (issue 14 item 8)
        // Every table row is whole: rows of one table (consecutive '|' lines) have the same number of cells.
        foreach (var table in Tables(lines))
            Assert.All(table, row => Assert.Equal(table[0].Count(c => c == '|'), row.Count(c => c == '|')));
        Assert.Contains(lines, l => l.StartsWith("| stage", StringComparison.Ordinal) && l.Contains("| status", StringComparison.Ordinal));
        Assert.Matches(@"\((p = \d\.\d{4}|p < 0\.0001)\)", output);
        var reportLine = Assert.Single(lines, l => l.StartsWith("report:", StringComparison.Ordinal) && l.EndsWith("report.html", StringComparison.Ordinal));
        Assert.True(File.Exists(reportLine["report:".Length..].Trim()), reportLine);
        var lockLine = Assert.Single(lines, l => l.StartsWith("lock file:", StringComparison.Ordinal));
        Assert.Equal(dir.File("quickstart.lock.json"), lockLine["lock file:".Length..].Trim());

        // medtune run quickstart.yaml --cache DIR --quiet | cat     (no tables; issue 14 item 8)
        var (quietCode, quiet) = await Medtune.RunPipedAsync(["run", manifest, "--cache", cache, "--quiet"]);
        Assert.True(quietCode == 0, quiet);
        Assert.DoesNotContain("|", quiet);
        Assert.Contains("0 stage(s) ran", quiet);

        // medtune verify quickstart.yaml --cache DIR --json     (JSON only; issue 14 item 4)
        var (verifyCode, verify) = await Medtune.RunPipedAsync(["verify", manifest, "--cache", cache, "--json"]);
        Assert.True(verifyCode == 0, verify);
        var verified = JsonNode.Parse(verify)!;
        Assert.True((bool)verified["verified"]!);

        // An edit to the eval data's filters: status speaks the manifest's key names and --json keeps "->" (issue 14 item 8).
        File.WriteAllText(manifest, File.ReadAllText(manifest).Replace("      format: exam\n", "      format: exam\n      filters: {limit: 20}\n"));
        var (staleCode, stale) = await Medtune.RunPipedAsync(["status", manifest, "--cache", cache]);
        Assert.True(staleCode == 3, stale);
        Assert.Contains("datasets.eval[0].filters.limit", stale);
        Assert.DoesNotContain("datasets_eval", stale);
        Assert.DoesNotContain("config.", stale);
        var (_, staleJson) = await Medtune.RunPipedAsync(["status", manifest, "--cache", cache, "--json"]);
        Assert.Contains("->", staleJson);
        Assert.DoesNotContain("\\u003E", staleJson);
        Assert.NotNull(JsonNode.Parse(staleJson));
    }

    private static IEnumerable<List<string>> Tables(IEnumerable<string> lines)
    {
        var current = new List<string>();
        foreach (var line in lines)
        {
            if (line.StartsWith('|')) { current.Add(line); continue; }
            if (current.Count > 0) yield return current;
            current = [];
        }
        if (current.Count > 0) yield return current;
    }
}
