using MedTune.Pipeline;
using MedTune.Tool.Experiments;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MedTune.Tool.Commands;

/// <summary><c>medtune cancel FILE</c>: runs <c>scancel</c> for the Slurm jobs submitted for the manifest that are still queued or running.</summary>
public sealed class CancelCommand(IAnsiConsole console) : AsyncCommand<ExperimentSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, ExperimentSettings settings, CancellationToken cancellationToken)
    {
        var set = ExperimentSet.Load(settings.Manifest, settings.Cache);
        var jobs = SlurmJobs.Read(set.JobsFile).Latest.ToList();
        var states = await SlurmQueue.StatesAsync(SlurmCommands.Instance, jobs.Select(j => j.JobId).ToList(), cancellationToken);
        var active = jobs.Where(j => states[j.JobId].IsActive).ToList();
        if (active.Count == 0)
        {
            console.MarkupLineInterpolated($"no queued or running jobs for {settings.Manifest} ({jobs.Count} submitted in all).");
            return ExitCodes.Success;
        }
        await SlurmCommands.Instance.RunAsync("scancel", active.Select(j => j.JobId).ToList(), cancellationToken);
        foreach (var job in active) console.MarkupLineInterpolated($"cancelled job {job.JobId} ({job.Stage}, was {states[job.JobId].State.ToLowerInvariant()})");
        return ExitCodes.Success;
    }
}
