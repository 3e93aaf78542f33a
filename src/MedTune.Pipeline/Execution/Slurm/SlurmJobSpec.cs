using MedTune.Manifest;

namespace MedTune.Pipeline;

/// <summary>One stage as a Slurm batch job: the command that runs it, its resources and where its output goes.</summary>
/// <param name="Name">Job name (sbatch --job-name).</param>
/// <param name="Command">The command line the job runs (medtune's hidden <c>stage run</c> for one stage).</param>
/// <param name="LogPath">Slurm's stdout/stderr file for the job (sbatch --output); <c>%j</c> becomes the job id.</param>
public sealed record SlurmJobSpec(string Name, IReadOnlyList<string> Command, StageResources Resources, string LogPath, string WorkingDirectory)
{
    /// <summary>The batch script: #SBATCH lines for the resources, then the command.</summary>
    public string Script(IReadOnlyList<string> dependencies)
    {
        var lines = new List<string> { "#!/bin/sh", $"#SBATCH --job-name={Name}", $"#SBATCH --output={LogPath}", $"#SBATCH --chdir={WorkingDirectory}" };
        if (Resources.Partition is { } partition) lines.Add($"#SBATCH --partition={partition}");
        if (Resources.Account is { } account) lines.Add($"#SBATCH --account={account}");
        if (Resources.Gpus is > 0) lines.Add($"#SBATCH --gpus={Resources.Gpus}");
        if (Resources.Cpus is { } cpus) lines.Add($"#SBATCH --cpus-per-task={cpus}");
        if (Resources.Mem is { } mem) lines.Add($"#SBATCH --mem={mem}");
        if (Resources.Time is { } time) lines.Add($"#SBATCH --time={time}");
        if (dependencies.Count > 0)
        {
            lines.Add($"#SBATCH --dependency=afterok:{string.Join(':', dependencies)}");
            lines.Add("#SBATCH --kill-on-invalid-dep=yes"); // a failed upstream job cancels this one instead of leaving it pending
        }
        lines.AddRange(Resources.Sbatch.Select(extra => "#SBATCH " + extra));
        lines.Add("exec " + string.Join(' ', Command.Select(Quote)));
        return string.Join('\n', lines) + "\n";
    }

    private static string Quote(string argument) =>
        argument.Length > 0 && argument.All(c => char.IsAsciiLetterOrDigit(c) || "/._-=:@,+%".Contains(c)) ? argument : "'" + argument.Replace("'", "'\\''") + "'";
}
