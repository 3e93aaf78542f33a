using System.Text.RegularExpressions;
using MedTune.Testing;

namespace MedTune.Cli.Tests;

/// <summary>Issue 14 item 13: the documentation a newcomer follows exists and says what the code does.</summary>
public sealed partial class DocsTests
{
    [GeneratedRegex(@"\]\((?<target>[^)#:\s]+)(#[^)]*)?\)")]
    private static partial Regex RelativeLink();

    [GeneratedRegex(@"^\s*[A-Za-z_]+:\s*[-+]?\d+[eE][-+]?\d+\s*(#.*)?$", RegexOptions.Multiline)]
    private static partial Regex Yaml11StringFloat();

    [Theory]
    [InlineData("README.md")]
    [InlineData("docs/metrics.md")]
    public void Every_relative_link_resolves(string document)
    {
        var path = Path.Combine(SharedData.RepoRoot, document);
        Assert.True(File.Exists(path), $"{document} is missing");
        var broken = RelativeLink().Matches(File.ReadAllText(path))
            .Select(m => m.Groups["target"].Value)
            .Where(t => !t.StartsWith("http", StringComparison.Ordinal))
            .Where(t => !File.Exists(Path.Combine(Path.GetDirectoryName(path)!, t)) && !Directory.Exists(Path.Combine(Path.GetDirectoryName(path)!, t)))
            .ToList();
        Assert.True(broken.Count == 0, $"{document} links to missing files: {string.Join(", ", broken)}");
    }

    [Fact]
    public void The_readme_links_the_metric_definitions()
    {
        var readme = File.ReadAllText(Path.Combine(SharedData.RepoRoot, "README.md"));
        Assert.Contains("(docs/metrics.md)", readme);
        Assert.DoesNotContain("spec/metrics.md", readme);
    }

    [Fact]
    public void Repository_manifests_write_numbers_that_YAML_1_1_tools_read_as_numbers()
    {
        // PyYAML (YAML 1.1) reads 2e-3 as a string, so the generated JSON Schema rejects it there: write 0.002 or 2.0e-3.
        var offenders = Directory.GetFiles(Path.Combine(SharedData.RepoRoot, "experiments"), "*.yaml", SearchOption.AllDirectories)
            .SelectMany(f => Yaml11StringFloat().Matches(File.ReadAllText(f)).Select(m => $"{Path.GetFileName(f)}: {m.Value.Trim()}"))
            .ToList();
        Assert.True(offenders.Count == 0, string.Join("\n", offenders));
    }
}
