using MedTune.Testing;

namespace MedTune.Cli.Tests;

public sealed class ValidateCommandTests
{
    [Fact]
    public async Task Every_manifest_in_the_repository_validates()
    {
        var experiments = Path.Combine(SharedData.RepoRoot, "experiments");
        var manifests = Directory.GetFiles(experiments, "*.yaml", SearchOption.AllDirectories);
        Assert.Contains(manifests, m => m.EndsWith("quickstart.yaml", StringComparison.Ordinal));

        // Paper manifests point at local 7B/70B weights that a CI machine does not have: keys, types and ranges only.
        var result = await CliRunner.RunAsync(["validate", "--no-check-files", .. manifests]);
        Assert.True(result.ExitCode == 0, result.Output);

        var quickstart = await CliRunner.RunAsync("validate", Path.Combine(experiments, "quickstart.yaml"));
        Assert.True(quickstart.ExitCode == 0, quickstart.Output);
    }

    [Fact]
    public async Task A_broken_manifest_exits_2_and_names_the_line_and_the_fix()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("bad.yaml"), "name: bad\nlora:\n  target_module: [q_proj]\n  alpha: 0\n");
        var result = await CliRunner.RunAsync("validate", dir.File("bad.yaml"));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("bad.yaml:3:3", result.Output);
        Assert.Contains("lora.target_module", result.Output);
        Assert.Contains("did you mean 'target_modules'", result.Output, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("lora.alpha", result.Output);
    }

    [Fact]
    public async Task Run_on_a_missing_manifest_is_bad_input_not_a_crash()
    {
        var result = await CliRunner.RunAsync("run", "/nonexistent/experiment.yaml");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("/nonexistent/experiment.yaml", result.Output);
    }

    [Fact]
    public async Task Schema_is_a_json_schema()
    {
        using var dir = new TempDirectory();
        var result = await CliRunner.RunAsync("schema", "-o", dir.File("schema.json"));
        Assert.Equal(0, result.ExitCode);
        var schema = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(dir.File("schema.json")))!;
        Assert.Contains("2020-12", (string)schema["$schema"]!);
        Assert.NotNull(schema["properties"]!["lora"]);
    }
}
