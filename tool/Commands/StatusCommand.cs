using MedTune.Pipeline;
using MedTune.Tool.Console;
using MedTune.Tool.Experiments;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MedTune.Tool.Commands;

/// <summary>
/// <c>medtune status FILE</c>: for each stage of each variant, up to date / stale (and why) / missing from the cache /
/// never locked; and the Slurm jobs submitted for the manifest (queued, running, failed) with job id and log path.
/// </summary>
public sealed class StatusCommand(IAnsiConsole console) : AsyncCommand<ExperimentSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, ExperimentSettings settings, CancellationToken cancellationToken)
    {
        var set = ExperimentSet.Load(settings.Manifest, settings.Cache, settings.Variant);
        var upToDate = true;
        var json = new List<object>();
        foreach (var experiment in set.Experiments)
        {
            var lockFile = LockFile.TryRead(experiment.LockPath);
            var statuses = PipelineStatus.Compute(experiment.Stages, lockFile, experiment.Cache, experiment.Manifest.Seed, cancellationToken);
            upToDate &= statuses.All(s => s.State == StageState.UpToDate);
            if (settings.Json)
            {
                json.AddRange(statuses.Select(s => new
                {
                    experiment = experiment.Manifest.Name, stage = s.Name, kind = s.Kind, state = s.State.ToString(),
                    current_key = s.CurrentKey, locked_key = s.LockedKey, reasons = Reasons(s),
                }));
                continue;
            }
            if (lockFile is null) console.MarkupLineInterpolated($"[yellow]no lock file yet[/] ({experiment.LockPath}); run `medtune run {settings.Manifest}`.");
            var table = new Table().AddColumns("stage", "state", "why");
            if (set.Matrix.IsMatrix) table.Title(Markup.Escape(experiment.Manifest.Name));
            foreach (var s in statuses)
                table.AddRow(Markup.Escape(s.Name), StateMarkup(s.State), Markup.Escape(string.Join(console.Profile.Out.IsTerminal ? "\n" : "; ", Reasons(s))));
            console.Write(table);
        }

        var jobs = SlurmJobs.Read(set.JobsFile).Latest.ToList();
        if (jobs.Count > 0 && !settings.Json)
        {
            IReadOnlyDictionary<string, SlurmJobState>? states = null;
            try
            {
                states = await SlurmQueue.StatesAsync(SlurmCommands.Instance, jobs.Select(j => j.JobId).ToList(), cancellationToken);
            }
            catch (SlurmException e)
            {
                console.MarkupLineInterpolated($"[yellow]cannot ask Slurm for job states:[/] {e.Message}");
            }
            var table = new Table().Title("slurm jobs").AddColumns("job", "stage", "state", "log");
            foreach (var job in jobs)
                table.AddRow(job.JobId, Markup.Escape(job.Stage), Markup.Escape(states?[job.JobId] is { } s ? s.State.ToLowerInvariant() + (s.Reason is "None" or "" ? "" : $" ({s.Reason})") : "?"),
                    Markup.Escape(job.LogPath));
            console.Write(table);
        }
        if (settings.Json) console.WriteJson(json);
        return upToDate ? ExitCodes.Success : ExitCodes.NotReproduced;
    }

    private static IReadOnlyList<string> Reasons(StageStatus s) => s.Reasons.Select(r => StaleReasons.InManifestTerms(s.Kind, r)).ToList();

    private static string StateMarkup(StageState state) => state switch
    {
        StageState.UpToDate => "[green]up to date[/]",
        StageState.Stale => "[yellow]stale[/]",
        StageState.Missing => "[red]missing from cache[/]",
        _ => "[grey]not in lock file[/]",
    };
}
