using MedTune.Pipeline;
using MedTune.Tool.Console;
using MedTune.Tool.Experiments;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MedTune.Tool.Commands;

/// <summary><c>medtune status FILE</c>: for each stage, up to date / stale (and why) / missing from the cache / never locked.</summary>
public sealed class StatusCommand(IAnsiConsole console) : Command<ExperimentSettings>
{
    public override int Execute(CommandContext context, ExperimentSettings settings, CancellationToken cancellationToken)
    {
        var experiment = Experiment.Load(settings.Manifest, settings.Cache);
        var lockFile = LockFile.TryRead(experiment.LockPath);
        var statuses = PipelineStatus.Compute(experiment.Stages, lockFile, experiment.Cache, experiment.Manifest.Seed, cancellationToken);

        if (settings.Json)
        {
            console.WriteJson(statuses.Select(s => new
            {
                stage = s.Name, kind = s.Kind, state = s.State.ToString(), current_key = s.CurrentKey, locked_key = s.LockedKey, reasons = Reasons(s),
            }));
        }
        else
        {
            if (lockFile is null) console.MarkupLineInterpolated($"[yellow]no lock file yet[/] ({experiment.LockPath}); run `medtune run {settings.Manifest}`.");
            var table = new Table().AddColumns("stage", "state", "why");
            foreach (var s in statuses)
                table.AddRow(Markup.Escape(s.Name), StateMarkup(s.State), Markup.Escape(string.Join(console.Profile.Out.IsTerminal ? "\n" : "; ", Reasons(s))));
            console.Write(table);
        }
        return statuses.All(s => s.State == StageState.UpToDate) ? ExitCodes.Success : ExitCodes.NotReproduced;
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
