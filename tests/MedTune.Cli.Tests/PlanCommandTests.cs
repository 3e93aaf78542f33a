using System.Text.Json.Nodes;
using MedTune.Testing;

namespace MedTune.Cli.Tests;

public sealed class PlanCommandTests
{
    [Fact]
    public async Task Plan_prints_every_stage_of_the_quickstart_with_its_device_and_figures()
    {
        var quickstart = Path.Combine(SharedData.RepoRoot, "experiments", "quickstart.yaml");
        var text = await CliRunner.RunAsync("plan", quickstart);
        Assert.True(text.ExitCode == 0, text.Output);
        foreach (var stage in new[] { "train", "merge", "export-base", "export-tuned", "evaluate-base", "evaluate-tuned" })
            Assert.Contains(stage, text.Output);
        Assert.Contains("activations", text.Output);
        Assert.Contains("KV cache", text.Output);

        var json = await CliRunner.RunAsync("plan", quickstart, "--json");
        Assert.True(json.ExitCode == 0, json.Output);
        var plan = JsonNode.Parse(json.Output)!;
        var train = plan["stages"]!.AsArray().Single(s => (string)s!["stage"]! == "train")!;
        // tiny-llama (hidden 128, intermediate 352, 4 layers, k/v width 64), r 16 on all seven projections:
        // 16 · (256 + 192 + 192 + 256 + 3 · 480) per layer
        Assert.Equal(4 * 16 * 2336, (long)train["figures"]!["lora_parameters"]!);
        Assert.Equal((long)train["peak_bytes"]!, train["memory"]!.AsArray().Sum(l => (long)l!["bytes"]!));
        Assert.True((bool)train["fits"]!);
    }

    [Fact]
    public async Task Run_refuses_before_loading_when_a_stage_cannot_fit_and_names_the_setting()
    {
        using var dir = new TempDirectory();
        var manifest = WriteTinyManifest(dir, deviceMemoryGb: 1000);
        var roomy = JsonNode.Parse((await CliRunner.RunAsync("plan", manifest, "--json")).Output)!;
        var trainPeak = (long)roomy["stages"]!.AsArray().Single(s => (string)s!["stage"]! == "train")!["peak_bytes"]!;

        // One byte short: the 4-bit base is the first setting that brings it under.
        manifest = WriteTinyManifest(dir, deviceMemoryGb: (trainPeak - 1) / 1e9);
        var result = await CliRunner.RunAsync("run", manifest, "--cache", dir.File("cache"));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("stage train needs an estimated", result.Output);
        Assert.Contains("model.quantization.type: nf4", result.Output);
        Assert.Contains("--no-memory-check", result.Output);
        Assert.False(Directory.Exists(dir.File("cache")) && Directory.EnumerateFileSystemEntries(dir.File("cache"), "*", SearchOption.AllDirectories)
            .Any(p => p.Contains("base-model", StringComparison.Ordinal)), "nothing may be built before the check");

        var plan = await CliRunner.RunAsync("plan", manifest);
        Assert.Equal(0, plan.ExitCode);
        Assert.Contains("model.quantization.type: nf4", plan.Output);
    }

    [Fact]
    public async Task No_memory_check_runs_past_the_check_and_until_limits_what_is_checked()
    {
        using var dir = new TempDirectory();
        var manifest = WriteTinyManifest(dir, deviceMemoryGb: 0.001);
        // Only base-model (CPU, no estimate) is in scope: nothing to refuse.
        var scoped = await CliRunner.RunAsync("run", manifest, "--cache", dir.File("cache"), "--until", "base-model");
        Assert.True(scoped.ExitCode == 0, scoped.Output);

        var unchecked_ = await CliRunner.RunAsync("run", manifest, "--cache", dir.File("cache"), "--until", "train", "--no-memory-check");
        Assert.DoesNotContain("needs an estimated", unchecked_.Output);
        // Past the check, train itself runs: on a machine without CUDA it fails there (exit 1), not as refused input (exit 2).
        Assert.NotEqual(2, unchecked_.ExitCode);
    }

    [Fact]
    public async Task Every_stage_of_the_paper_grid_fits_its_GPU()
    {
        const string file = "jmedlora.yaml";
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("experiments/paper"));
        var copy = dir.File("experiments/paper/" + file);
        // Read the models beside the copy whatever MEDTUNE_MODELS says on this machine.
        File.WriteAllText(copy, File.ReadAllText(Path.Combine(SharedData.RepoRoot, "experiments", "paper", file))
            .Replace("${MEDTUNE_MODELS:-../../models}", "../../models", StringComparison.Ordinal));
        foreach (var (name, json) in PaperModelConfigs.All)
        {
            Directory.CreateDirectory(dir.File("models/" + name));
            File.WriteAllText(dir.File($"models/{name}/config.json"), json);
        }
        var result = await CliRunner.RunAsync("plan", copy, "--json");
        Assert.True(result.ExitCode == 0, result.Output);
        var plan = JsonNode.Parse(result.Output)!;
        var variants = plan["variants"]!.AsArray();
        Assert.Equal(4, variants.Count);
        Assert.Contains(plan["shared_stages"]!.AsArray(), s => (string)s!["stage"]! == "train");
        var stages = variants.SelectMany(v => v!["stages"]!.AsArray()).ToList();
        Assert.All(stages, s => Assert.True((bool?)s!["fits"] == true, $"{s!["stage"]}: {s["peak_bytes"]} B > {s["budget_bytes"]} B"));
        Assert.All(stages.Where(s => (string)s!["device"]! == "cuda"), s => Assert.NotNull(s!["budget_bytes"]));
    }

    private static string WriteTinyManifest(TempDirectory dir, double deviceMemoryGb)
    {
        File.WriteAllText(dir.File("data.jsonl"), "{\"instruction\": \"q\", \"input\": \"\", \"output\": \"a\"}\n");
        File.Copy(Path.Combine(SharedData.RepoRoot, "experiments", "quickstart", "exam.jsonl"), dir.File("exam.jsonl"), overwrite: true);
        var path = dir.File("tiny.yaml");
        File.WriteAllText(path, $"""
            name: tiny
            model: {"{"}base: builtin:tiny-llama, device: cuda, device_memory_gb: {deviceMemoryGb.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}{"}"}
            lora: {"{"}r: 8, target_modules: [all-linear]{"}"}
            datasets:
              train: [{"{"}path: data.jsonl{"}"}]
              eval: [{"{"}path: exam.jsonl, format: exam{"}"}]
            train: {"{"}max_steps: 1, batch_size: 64, max_seq_length: 512{"}"}
            evaluate: {"{"}device: cpu{"}"}
            """);
        return path;
    }
}
