using System.Text.Json.Nodes;
using MedTune.Testing;
using MedTune.Tool.Infrastructure;

namespace MedTune.Cli.Tests;

/// <summary><c>medtune show</c> without running anything: discovery, not-run and invalid manifests, options.</summary>
public sealed class ShowCommandTests
{
    [Fact]
    public async Task Not_run_and_invalid_manifests_each_get_a_row_with_their_settings()
    {
        using var dir = new TempDirectory();
        var manifest = QuickstartEndToEndTests.CopyQuickstart(dir.Path);
        var broken = dir.File("broken.yaml");
        File.WriteAllText(broken, "name: broken\nlora: {r: -1}\n");

        var result = await CliRunner.RunAsync("show", manifest, broken, "--cache", dir.File("cache"));

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("| experiment | state | model | base_model | quantization | lora | lr | epochs | shots | template | train_data | eval_data |", result.Output);
        Assert.Contains("| quickstart | not run | – | builtin:tiny-llama | none | r16/α32 | 0.002 | 20 | 0 | alpaca_ja_option_text | quickstart-instructions | quickstart-exam |", result.Output);
        Assert.Contains("| broken | invalid | – |", result.Output);
        Assert.Contains("- broken: ", result.Output);
        Assert.Contains("lora.r", result.Output);
    }

    [Fact]
    public async Task Json_lists_state_settings_and_metrics_per_experiment()
    {
        using var dir = new TempDirectory();
        var manifest = QuickstartEndToEndTests.CopyQuickstart(dir.Path, baseOnly: true);

        var result = await CliRunner.RunAsync("show", manifest, "--json", "--cache", dir.File("cache"));

        Assert.True(result.ExitCode == 0, result.Output);
        var experiment = JsonNode.Parse(result.Output)!["experiments"]![0]!;
        Assert.Equal("quickstart", (string?)experiment["name"]);
        Assert.Equal("not run", (string?)experiment["state"]);
        Assert.Equal("–", (string?)experiment["settings"]!["lora"]); // base only: nothing is trained
        Assert.Empty(experiment["metrics"]!.AsObject());
    }

    [Fact]
    public async Task A_missing_file_and_conflicting_formats_exit_2()
    {
        var missing = await CliRunner.RunAsync("show", "no/such/experiment.yaml");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("no/such/experiment.yaml", missing.Output);

        using var dir = new TempDirectory();
        var manifest = QuickstartEndToEndTests.CopyQuickstart(dir.Path);
        var both = await CliRunner.RunAsync("show", manifest, "--json", "--md");
        Assert.Equal(2, both.ExitCode);
        Assert.Contains("--json and --md", both.Output);
    }

    [Fact]
    public void Finds_every_yaml_under_experiments_of_the_repository_but_not_lock_files()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File(".git"));
        Directory.CreateDirectory(dir.File("experiments/paper"));
        Directory.CreateDirectory(dir.File("src/deep"));
        File.WriteAllText(dir.File("experiments/a.yaml"), "");
        File.WriteAllText(dir.File("experiments/paper/b.yml"), "");
        File.WriteAllText(dir.File("experiments/a.lock.json"), "");
        File.WriteAllText(dir.File("experiments/old.lock.yaml"), "");
        File.WriteAllText(dir.File("experiments/notes.txt"), "");

        var found = ManifestFinder.InRepository(dir.File("src/deep")); // from anywhere in the work tree

        Assert.Equal([dir.File("experiments/a.yaml"), dir.File("experiments/paper/b.yml")], found);
        using var empty = new TempDirectory();
        Assert.Empty(ManifestFinder.InRepository(empty.Path)); // no experiments/ directory: nothing, and show says so
    }
}
