using System.Text.Json.Nodes;
using MedTune.Pipeline;
using MedTune.Testing;

namespace MedTune.Cli.Tests;

/// <summary>
/// The quickstart as a two-variant matrix (experiments/quickstart-matrix.yaml: LoRA rank 8 and 16, each with its own
/// training, sharing the base model's stages) through <c>--executor slurm</c> on a real one-node Slurm
/// (<see cref="SlurmCluster"/>). Training is cut to 40 steps with a checkpoint every 10 so that the suite stays minutes
/// long; everything else is the repository's manifest.
/// </summary>
[Trait("Category", "EndToEnd")]
[Trait("Category", "SystemTools")]
public sealed class SlurmEndToEndTests(SlurmCluster slurm) : IClassFixture<SlurmCluster>
{
    [Fact]
    public async Task The_matrix_runs_as_Slurm_jobs_and_writes_the_lock_files_the_local_executor_writes()
    {
        slurm.Require();
        using var dir = new TempDirectory();
        var manifest = CopyMatrix(dir.Path);

        var viaSlurm = await CliRunner.RunAsync("run", manifest, "--cache", Path.Combine(dir.Path, "cache-slurm"), "--executor", "slurm");
        Assert.True(viaSlurm.ExitCode == 0, viaSlurm.Output);
        Assert.Contains("quickstart-matrix@r=8/train: submitted job", viaSlurm.Output);
        Assert.Contains("quickstart-matrix@r=16/train: submitted job", viaSlurm.Output);
        Assert.Contains("evaluate-base (shared by quickstart-matrix@r=8, quickstart-matrix@r=16): submitted job", viaSlurm.Output);
        var slurmLocks = ReadLocks(dir.Path);
        Assert.Equal(2, slurmLocks.Count);
        // The job id is in the record (unhashed), and each stage's own log lies beside its output.
        var trainEntries = KeyEntries(Path.Combine(dir.Path, "cache-slurm", "train"));
        Assert.Equal(2, trainEntries.Length);
        foreach (var trainEntry in trainEntries)
        {
            var record = JsonNode.Parse(File.ReadAllText(Path.Combine(trainEntry, StageCache.RecordFileName)))!.ToJsonString();
            Assert.Contains("slurm_job_id", record);
            Assert.Contains("training", File.ReadAllText(Path.Combine(trainEntry, StageLog.FileName)));
        }

        foreach (var file in Directory.GetFiles(dir.Path, "*.lock.json")) File.Delete(file);
        var local = await CliRunner.RunAsync("run", manifest, "--cache", Path.Combine(dir.Path, "cache-local"), "--jobs", "2", "--quiet");
        Assert.True(local.ExitCode == 0, local.Output);
        Assert.Equal(slurmLocks, ReadLocks(dir.Path));

        // Everything is cached now: a second Slurm run submits nothing.
        var again = await CliRunner.RunAsync("run", manifest, "--cache", Path.Combine(dir.Path, "cache-slurm"), "--executor", "slurm");
        Assert.True(again.ExitCode == 0, again.Output);
        Assert.DoesNotContain("submitted job", again.Output);
    }

    [Fact]
    public async Task A_train_job_cancelled_mid_training_resumes_from_its_checkpoint_when_resubmitted()
    {
        slurm.Require();
        using var dir = new TempDirectory();
        var manifest = CopyMatrix(dir.Path, steps: 300); // long enough to be cancelled after its first checkpoint
        var cache = Path.Combine(dir.Path, "cache");

        var detached = await CliRunner.RunAsync("run", manifest, "--cache", cache, "--executor", "slurm", "--detach");
        Assert.True(detached.ExitCode == 0, detached.Output);
        var status = await CliRunner.RunAsync("status", manifest, "--cache", cache);
        Assert.Contains("slurm jobs", status.Output);

        // Wait for the first checkpoint of a running train job, then cancel everything.
        var deadline = DateTime.UtcNow.AddMinutes(15);
        while (!Directory.Exists(Path.Combine(cache, "train"))
               || !Directory.EnumerateDirectories(Path.Combine(cache, "train"), "checkpoint-*", SearchOption.AllDirectories).Any())
        {
            Assert.True(DateTime.UtcNow < deadline, "no training checkpoint after 15 minutes; squeue:\n" + slurm.Squeue().Output);
            await Task.Delay(1000);
        }
        var cancel = await CliRunner.RunAsync("cancel", manifest, "--cache", cache);
        Assert.True(cancel.ExitCode == 0, cancel.Output);
        Assert.Contains("cancelled job", cancel.Output);
        Assert.Empty(KeyEntries(Path.Combine(cache, "train")));

        var resumed = await CliRunner.RunAsync("run", manifest, "--cache", cache, "--executor", "slurm");
        Assert.True(resumed.ExitCode == 0, resumed.Output);
        var trainEntries = KeyEntries(Path.Combine(cache, "train"));
        Assert.Equal(2, trainEntries.Length);
        // The variant whose training had written a checkpoint carries on from it (the other may not have started).
        Assert.Contains(trainEntries, e => File.ReadAllText(Path.Combine(e, StageLog.FileName)).Contains("resuming training from step", StringComparison.Ordinal));
        Assert.Equal(2, ReadLocks(dir.Path).Count);
    }

    [Fact]
    public async Task A_failed_job_is_reported_with_its_log_tail_and_its_dependants_are_not_run()
    {
        slurm.Require();
        using var dir = new TempDirectory();
        var manifest = CopyMatrix(dir.Path);
        var cache = Path.Combine(dir.Path, "cache");
        // `run` checks the data before it submits anything, so the training file breaks after submission: the train jobs
        // (queued behind base-model) then fail when they read it, and Slurm drops what depends on them.
        var detached = await CliRunner.RunAsync("run", manifest, "--cache", cache, "--executor", "slurm", "--detach");
        Assert.True(detached.ExitCode == 0, detached.Output);
        File.WriteAllText(Path.Combine(dir.Path, "quickstart", "instructions.jsonl"), "{not json\n");

        var deadline = DateTime.UtcNow.AddMinutes(10);
        while (slurm.Squeue().Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length > 1)
        {
            Assert.True(DateTime.UtcNow < deadline, "jobs still queued after 10 minutes:\n" + slurm.Squeue().Output);
            await Task.Delay(1000);
        }
        var trainLogs = Directory.GetFiles(Path.Combine(cache, ".slurm", "logs"), "*-train-*.log");
        Assert.Equal(2, trainLogs.Length);
        Assert.All(trainLogs, log => Assert.Contains("instructions.jsonl", File.ReadAllText(log))); // each job's own error, in its Slurm log
        Assert.Empty(KeyEntries(Path.Combine(cache, "merge"))); // merge did not run although train failed
        Assert.Empty(KeyEntries(Path.Combine(cache, "train")));
    }

    /// <summary>experiments/quickstart-matrix.yaml and its data in <paramref name="directory"/>, training cut to <paramref name="steps"/> steps.</summary>
    internal static string CopyMatrix(string directory, int steps = 40)
    {
        var experiments = Path.Combine(SharedData.RepoRoot, "experiments");
        Directory.CreateDirectory(Path.Combine(directory, "quickstart"));
        foreach (var file in Directory.GetFiles(Path.Combine(experiments, "quickstart")))
            File.Copy(file, Path.Combine(directory, "quickstart", Path.GetFileName(file)));
        var yaml = File.ReadAllText(Path.Combine(experiments, "quickstart-matrix.yaml"));
        Assert.Contains("  epochs: 20\n", yaml);
        yaml = yaml.Replace("  epochs: 20\n", $"  epochs: 20\n  max_steps: {steps}\n  checkpoint_every: 10\n");
        var path = Path.Combine(directory, "quickstart-matrix.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    /// <summary>The published cache entries under a stage kind's directory (none when it does not exist).</summary>
    private static string[] KeyEntries(string kindDirectory) =>
        Directory.Exists(kindDirectory) ? Directory.GetDirectories(kindDirectory).Where(d => StageCache.IsKey(Path.GetFileName(d))).ToArray() : [];

    private static SortedDictionary<string, string> ReadLocks(string directory) =>
        new(Directory.GetFiles(directory, "*.lock.json").ToDictionary(Path.GetFileName, File.ReadAllText)!, StringComparer.Ordinal);
}
