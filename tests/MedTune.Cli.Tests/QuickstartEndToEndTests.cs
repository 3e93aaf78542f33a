using System.Text.Json.Nodes;
using MedTune.Testing;

namespace MedTune.Cli.Tests;

/// <summary>
/// The quickstart through every stage, stage by stage, with the builtin tiny model, in a copy of the experiment
/// (so the repository's lock file is untouched) and a private cache. Minutes on 2 cores: EndToEnd trait.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class QuickstartEndToEndTests
{
    [Fact]
    public async Task Quickstart_runs_stage_by_stage_reuses_the_cache_and_the_tuned_model_beats_the_base()
    {
        using var dir = new TempDirectory();
        var manifest = CopyQuickstart(dir.Path);
        var cache = Path.Combine(dir.Path, "cache");

        var train = await CliRunner.RunAsync("run", manifest, "--cache", cache, "--until", "train");
        Assert.True(train.ExitCode == 0, train.Output);
        Assert.True(File.Exists(Path.Combine(dir.Path, "quickstart.lock.json")));
        var adapter = Directory.GetDirectories(Path.Combine(cache, "train")).Single(d => !Path.GetFileName(d).StartsWith('.'));
        Assert.True(File.Exists(Path.Combine(adapter, "adapter_config.json")));
        Assert.True(File.Exists(Path.Combine(adapter, "adapter_model.safetensors")));

        var export = await CliRunner.RunAsync("run", manifest, "--cache", cache, "--until", "export-tuned");
        Assert.True(export.ExitCode == 0, export.Output);
        Assert.Matches(@"train[\s│|]+cached", export.Output);
        Assert.Matches(@"merge[\s│|]+ran", export.Output);

        var full = await CliRunner.RunAsync("run", manifest, "--cache", cache, "--fail-under", "tuned.exact_match=0.5");
        Assert.True(full.ExitCode == 0, full.Output);
        var report = ReadReport(cache);
        var scores = report["datasets"]![0]!["scores"]!;
        var tunedExact = (double)scores["tuned"]!["exact_match"]!["mean"]!;
        var baseExact = (double)scores["base"]!["exact_match"]!["mean"]!;
        Assert.True(tunedExact > baseExact, $"tuned exact match {tunedExact} should beat base {baseExact}");

        // Everything is up to date and verifies against the lock file; a second run is all cache hits.
        var status = await CliRunner.RunAsync("status", manifest, "--cache", cache);
        Assert.True(status.ExitCode == 0, status.Output);
        var verify = await CliRunner.RunAsync("verify", manifest, "--cache", cache);
        Assert.True(verify.ExitCode == 0, verify.Output);
        // Re-executing every stage from scratch reproduces every output byte for byte (CPU, same thread count).
        var rerun = await CliRunner.RunAsync("verify", manifest, "--cache", cache, "--rerun", "--quiet");
        Assert.True(rerun.ExitCode == 0, rerun.Output);
        Assert.DoesNotContain("differs", rerun.Output);
        var again = await CliRunner.RunAsync("run", manifest, "--cache", cache, "--json");
        Assert.Equal(0, again.ExitCode);
        var stages = JsonNode.Parse(again.Output.Substring(again.Output.IndexOf('{')))!["stages"]!.AsArray();
        Assert.All(stages, s => Assert.Equal("cached", (string)s!["status"]!));

        // The report says plainly that the quickstart's exam questions are in its training set; the CI gate fails on it.
        var overlap = report["contamination"]![0]!;
        Assert.Equal((40, 40), ((int)overlap["questions"]!, (int)overlap["contaminated"]!));
        Assert.Contains("40 of 40 evaluation questions occur in the training data", File.ReadAllText(ReportFile(cache, "report.md")));
        var contaminated = await CliRunner.RunAsync("run", manifest, "--cache", cache, "--fail-on-contamination");
        Assert.Equal(4, contaminated.ExitCode);
        Assert.Contains("quickstart-exam: 40 of 40 evaluation questions occur in the training data", contaminated.Output);

        // The provenance statement beside the report verifies; a changed prediction is a mismatch naming the file (exit 3).
        var statement = ReportFile(cache, ".medtune-provenance.intoto.json");
        var provenance = await CliRunner.RunAsync("verify", manifest, "--cache", cache, "--provenance", statement);
        Assert.True(provenance.ExitCode == 0, provenance.Output);
        var predictions = Directory.GetFiles(Path.Combine(cache, "evaluate"), "quickstart-exam.jsonl", SearchOption.AllDirectories).First();
        var original = File.ReadAllBytes(predictions);
        File.SetAttributes(predictions, FileAttributes.Normal);
        File.AppendAllText(predictions, "\n");
        var tampered = await CliRunner.RunAsync("verify", manifest, "--cache", cache, "--provenance", statement);
        Assert.Equal(3, tampered.ExitCode);
        Assert.Contains("quickstart-exam.jsonl", tampered.Output);
        File.WriteAllBytes(predictions, original);

        // A report-only edit makes only the report stale; the gate fails with exit 4 when set out of reach.
        File.WriteAllText(manifest, File.ReadAllText(manifest).Replace("title: \"Quickstart:", "title: \"Edited:"));
        var stale = await CliRunner.RunAsync("status", manifest, "--cache", cache);
        Assert.Equal(3, stale.ExitCode);
        Assert.Matches(@"report[\s│|]+stale", stale.Output);
        Assert.Matches(@"train[\s│|]+up to date", stale.Output);
        var gate = await CliRunner.RunAsync("run", manifest, "--cache", cache, "--quiet", "--fail-under", "tuned.exact_match=1.01");
        Assert.Equal(4, gate.ExitCode);
    }

    [Fact]
    public async Task Tampering_with_a_cached_output_is_caught_by_verify()
    {
        using var dir = new TempDirectory();
        var manifest = CopyQuickstart(dir.Path, baseOnly: true);
        var cache = Path.Combine(dir.Path, "cache");
        var run = await CliRunner.RunAsync("run", manifest, "--cache", cache, "--until", "export-base");
        Assert.True(run.ExitCode == 0, run.Output);

        var onnx = Directory.GetFiles(Path.Combine(cache, "export"), "model.onnx", SearchOption.AllDirectories).Single();
        File.SetAttributes(onnx, FileAttributes.Normal);
        using (var stream = File.Open(onnx, FileMode.Open)) { stream.Seek(-1, SeekOrigin.End); stream.WriteByte(0x42); }

        var verify = await CliRunner.RunAsync("verify", manifest, "--cache", cache);
        Assert.Equal(3, verify.ExitCode);
        Assert.Contains("model.onnx", verify.Output);
    }

    internal static string CopyQuickstart(string directory, bool baseOnly = false)
    {
        var experiments = Path.Combine(SharedData.RepoRoot, "experiments");
        Directory.CreateDirectory(Path.Combine(directory, "quickstart"));
        foreach (var file in Directory.GetFiles(Path.Combine(experiments, "quickstart")))
            File.Copy(file, Path.Combine(directory, "quickstart", Path.GetFileName(file)));
        var yaml = File.ReadAllText(Path.Combine(experiments, "quickstart.yaml"));
        if (baseOnly) yaml = yaml.Replace("models: [base, tuned]", "models: [base]");
        var path = Path.Combine(directory, "quickstart.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    internal static string ReportFile(string cache, string name) =>
        Path.Combine(Directory.GetDirectories(Path.Combine(cache, "report"))
            .Where(d => !Path.GetFileName(d).StartsWith('.'))
            .OrderByDescending(Directory.GetLastWriteTimeUtc).First(), name);

    internal static JsonNode ReadReport(string cache)
    {
        var reportDir = Directory.GetDirectories(Path.Combine(cache, "report"))
            .Where(d => !Path.GetFileName(d).StartsWith('.'))
            .OrderByDescending(Directory.GetLastWriteTimeUtc).First();
        return JsonNode.Parse(File.ReadAllText(Path.Combine(reportDir, "report.json")))!;
    }
}
