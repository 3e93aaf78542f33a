using System.Text.Json.Nodes;
using MedTune.Tool.Console;
using MedTune.Testing;
using static MedTune.Cli.Tests.TestExperiments;

namespace MedTune.Cli.Tests;

/// <summary>Issue 14 items 4 and 8: <c>verify --json</c> prints one JSON document and nothing else; stale reasons use manifest key names.</summary>
public sealed class VerifyJsonTests
{
    [Fact]
    public async Task Verify_json_prints_json_only()
    {
        // medtune run quickstart.yaml --until base-model; medtune verify quickstart.yaml --json
        using var dir = new TempDirectory();
        var manifest = Quickstart(dir.Path);
        var cache = dir.File("cache");
        var run = await CliRunner.RunAsync("run", manifest, "--cache", cache, "--until", "base-model", "--quiet");
        Assert.True(run.ExitCode == 0, run.Output);

        var verify = await CliRunner.RunAsync("verify", manifest, "--cache", cache, "--json");
        Assert.True(verify.ExitCode == 0, verify.Output);
        var json = JsonNode.Parse(verify.Output)!; // throws unless the whole output is one JSON document
        Assert.True((bool)json["verified"]!);
        Assert.Equal("cache", (string)json["mode"]!);

        // A drifted output: still JSON only, exit 3, the file named.
        var config = Directory.GetFiles(Path.Combine(cache, "base-model"), "config.json", SearchOption.AllDirectories).Single();
        File.SetAttributes(config, FileAttributes.Normal);
        File.AppendAllText(config, " ");
        var drift = await CliRunner.RunAsync("verify", manifest, "--cache", cache, "--json");
        Assert.Equal(3, drift.ExitCode);
        var differences = JsonNode.Parse(drift.Output)!["differences"]!.AsArray();
        Assert.Contains(differences, d => ((string)d!).Contains("config.json", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Errors_under_json_are_json_too()
    {
        // medtune verify quickstart.yaml --json   (no lock file yet)
        using var dir = new TempDirectory();
        var manifest = Quickstart(dir.Path);
        var result = await CliRunner.RunAsync("verify", manifest, "--cache", dir.File("cache"), "--json");
        Assert.Equal(2, result.ExitCode);
        var json = JsonNode.Parse(result.Output)!;
        Assert.Contains("no lock file to verify against", (string)json["error"]!);
        Assert.Equal(2, (int)json["exit_code"]!);
    }

    [Theory]
    [InlineData("evaluate", "config.datasets_eval[0].filters.limit changed 10 -> 20", "datasets.eval[0].filters.limit changed 10 -> 20")]
    [InlineData("export", "config.opset changed 17 -> 21", "export.opset changed 17 -> 21")]
    [InlineData("train", "config.train.learning_rate changed 0.0003 -> 0.002", "train.learning_rate changed 0.0003 -> 0.002")]
    [InlineData("train", "input datasets.train[0] changed", "input datasets.train[0] changed")]
    public void Stale_reasons_use_the_manifest_key_names(string kind, string reason, string shown) =>
        Assert.Equal(shown, StaleReasons.InManifestTerms(kind, reason));
}
