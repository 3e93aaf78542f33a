using MedTune.Pipeline;

namespace MedTune.Tool.Experiments;

/// <summary>
/// How a planned stage becomes a Slurm job: the job runs <c>medtune stage run MANIFEST --variant LABEL --stage NAME
/// --cache DIR</c> (the same manifest, the same shared cache) with the resources the manifest's
/// <c>execution.resources</c> gives its kind, and Slurm writes its output to <c>&lt;cache&gt;/.slurm/logs/</c>.
/// </summary>
public static class ClusterJobs
{
    /// <summary>Overrides how a job starts medtune (e.g. <c>dotnet /opt/medtune/medtune.dll</c>); default: this very executable.</summary>
    public const string CommandVariable = "MEDTUNE_SLURM_COMMAND";

    public static SlurmExecutorOptions Options(ExperimentSet set, IStageReporter reporter, bool detach, TimeSpan? pollInterval = null) => new()
    {
        JobFor = stage => JobFor(set, stage),
        JobsFile = set.JobsFile,
        Detach = detach,
        Reporter = reporter,
        PollInterval = pollInterval ?? TimeSpan.FromSeconds(5),
    };

    public static SlurmJobSpec JobFor(ExperimentSet set, PlannedStage stage)
    {
        var (experimentName, stageName) = stage.Uses[0];
        var experiment = set[experimentName];
        var command = new List<string>(Self())
        {
            "stage", "run", set.Matrix.ManifestPath, "--stage", stageName, "--cache", set.CacheRoot, "--log-format", "json",
        };
        if (experiment.VariantLabel.Length > 0) command.AddRange(["--variant", experiment.VariantLabel]);
        var safeName = string.Concat(experiment.Manifest.Name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));
        return new SlurmJobSpec(
            Name: $"medtune-{stageName}-{safeName}",
            Command: command,
            Resources: set.ResourcesFor(stage),
            LogPath: Path.Combine(set.CacheRoot, ".slurm", "logs", $"{safeName}-{stageName}-%j.log"),
            WorkingDirectory: experiment.Manifest.ManifestDirectory);
    }

    /// <summary>The command line that starts this medtune: the apphost, or <c>dotnet medtune.dll</c>.</summary>
    private static IReadOnlyList<string> Self()
    {
        if (Environment.GetEnvironmentVariable(CommandVariable) is { Length: > 0 } configured)
            return configured.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var process = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell which executable this is; set " + CommandVariable);
        return Path.GetFileNameWithoutExtension(process) == "dotnet"
            ? [process, typeof(ClusterJobs).Assembly.Location]
            : [process];
    }
}
