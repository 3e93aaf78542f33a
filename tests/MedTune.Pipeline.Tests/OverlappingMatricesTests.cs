using System.Diagnostics;
using System.Text.Json.Nodes;
using MedTune.Testing;

namespace MedTune.Pipeline.Tests;

/// <summary>
/// Two processes run overlapping matrices (shots 0,1 and shots 1,2) on one cache with --jobs 2: every distinct stage
/// is built exactly once; the other process waits on the key's lock and reuses it.
/// </summary>
public sealed class OverlappingMatricesTests
{
    private static readonly (string Name, string Kind, string[] DependsOn)[] Shape =
    [
        ("train", "train", []), ("merge", "merge", ["train"]), ("export-base", "export", []),
        ("evaluate-tuned", "evaluate", ["merge"]), ("evaluate-base", "evaluate", ["export-base"]),
    ];

    [Fact]
    public async Task Two_processes_with_overlapping_matrices_never_build_a_stage_twice()
    {
        using var dir = new TempDirectory();
        var trainData = dir.File("train.jsonl");
        File.WriteAllText(trainData, "{}\n");
        var builds = dir.File("builds.log");

        var first = StartChild(dir.Path, trainData, builds, "0,1");
        var second = StartChild(dir.Path, trainData, builds, "1,2");
        await Task.WhenAll(WaitAsync(first), WaitAsync(second));

        var lines = File.ReadAllLines(builds);
        // train, merge, export-base once; evaluate-tuned and evaluate-base once per distinct shots value (0, 1, 2).
        Assert.Equal(3 + 2 * 3, lines.Length);
        Assert.Equal(lines.Length, lines.Distinct().Count());
        var cache = new StageCache(Path.Combine(dir.Path, "cache"));
        Assert.Equal(6, Directory.GetDirectories(cache.KindDirectory("evaluate")).Count(d => StageCache.IsKey(Path.GetFileName(d))));
    }

    /// <summary>The child: one matrix of the given shots values, run with --jobs 2; each real build appends one line to <paramref name="builds"/>.</summary>
    public static Task RunChildAsync(string root, string trainData, string builds, int[] shots)
    {
        var runs = shots.Select(n => new ExperimentRun($"m@shots={n}", Definitions(trainData, builds, n), 42)).ToList();
        return new PipelineRunner(new PipelineRunnerOptions { CacheRoot = Path.Combine(root, "cache"), Jobs = 2, LockPollInterval = TimeSpan.FromMilliseconds(20) })
            .RunAllAsync(runs, null);
    }

    private static List<StageDefinition> Definitions(string trainData, string builds, int shots) =>
        Shape.Select(s =>
        {
            var config = s.Kind == "evaluate" ? JsonNode.Parse($$"""{"shots":{{shots}}}""")! : JsonNode.Parse("{}")!;
            var stage = new FakeStage(s.Kind, config, async (context, ct) =>
            {
                await Task.Delay(300, ct); // long enough for the other process to reach the same key
                var line = $"{context.StageName} {context.Key}";
                using (var stream = new FileStream(builds, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete))
                using (var writer = new StreamWriter(stream)) writer.WriteLine(line);
                FakeStage.WriteDefaultOutput(context, config);
            });
            return new StageDefinition(s.Name, stage, config, s.Name == "train" ? [trainData] : [], s.DependsOn);
        }).ToList();

    private static Process StartChild(string root, string trainData, string builds, string shots)
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (string.IsNullOrEmpty(host) || !File.Exists(host)) host = Environment.ProcessPath!;
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "exec", typeof(OverlappingMatricesTests).Assembly.Location, Program.MatrixChildCommand, root, trainData, builds, shots })
            start.ArgumentList.Add(argument);
        return Process.Start(start)!;
    }

    private static async Task WaitAsync(Process child)
    {
        var stderr = child.StandardError.ReadToEndAsync();
        var stdout = child.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await child.WaitForExitAsync(timeout.Token);
        Assert.True(child.ExitCode == 0, $"child exited {child.ExitCode}: {await stdout}{await stderr}");
    }
}
