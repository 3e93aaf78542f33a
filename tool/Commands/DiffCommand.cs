using System.ComponentModel;
using System.Globalization;
using MedTune.Reporting;
using MedTune.Tool.History;
using MedTune.Tool.Infrastructure;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MedTune.Tool.Commands;

/// <summary>
/// <c>medtune diff [REV_A [REV_B]]</c>: what changed between two git revisions (default HEAD vs the work tree) for each
/// experiment — settings, stages that would re-run and why, metrics before/after with the paired test. Reads manifests and
/// lock files from git objects; reports from the cache the lock files name.
/// </summary>
public sealed class DiffCommand(IAnsiConsole console) : Command<DiffCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "[REV_A]")]
        [Description("The before revision (default HEAD).")]
        public string? Before { get; init; }

        [CommandArgument(1, "[REV_B]")]
        [Description("The after revision (default: the work tree).")]
        public string? After { get; init; }

        [CommandOption("-C|--repository <DIR>")]
        [Description("A directory inside the git repository (default: the current directory).")]
        public string Repository { get; init; } = ".";

        [CommandOption("--cache <DIR>")]
        [Description("Stage cache holding the runs' reports and predictions (default: $MEDTUNE_CACHE, else artifacts/cache in the repository).")]
        public string? Cache { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var git = GitRepository.Open(settings.Repository);
        var before = git.ResolveCommit(settings.Before ?? "HEAD");
        var after = settings.After is null ? null : git.ResolveCommit(settings.After);
        var cacheRoot = CacheLocation.Resolve(settings.Cache, Path.Combine(git.Root, "experiments", "any.yaml"));
        var changes = ExperimentDiff.Compare(git, before, after, cacheRoot);
        var afterName = settings.After ?? "the work tree";
        console.MarkupLineInterpolated($"[bold]{settings.Before ?? "HEAD"}[/] ({before[..10]}) → [bold]{afterName}[/]{(after is null ? "" : $" ({after[..10]})")}");
        if (changes.Count == 0) console.WriteLine("No experiment changed.");
        foreach (var change in changes) Render(change);

        if (!Directory.Exists(cacheRoot) && changes.Any(c => c.State == "changed"))
        {
            console.MarkupLineInterpolated($"[red]error:[/] no stage cache at {cacheRoot}: metrics before/after need the runs' reports. Run the experiments, or pass --cache DIR.");
            return ExitCodes.InvalidInput;
        }
        return ExitCodes.Success;
    }

    private void Render(ExperimentChange change)
    {
        console.WriteLine();
        console.MarkupLineInterpolated($"[bold]{change.Experiment}[/] ({change.ManifestPath}): {change.State}");
        if (change.State != "changed") return;
        if (change.Settings.Count > 0)
        {
            console.WriteLine("  settings changed:");
            foreach (var setting in change.Settings) console.WriteLine("    " + setting);
        }
        if (change.Reruns.Count == 0) console.WriteLine("  stages to re-run: none");
        else
        {
            console.WriteLine("  stages to re-run:");
            foreach (var rerun in change.Reruns) console.WriteLine($"    {rerun.Stage}: {string.Join("; ", rerun.Reasons)}");
        }
        if (change.Metrics.Count > 0)
        {
            var table = new Table().AddColumns("dataset", "model", "metric", "before", "after", "change", "paired test");
            foreach (var m in change.Metrics)
                table.AddRow(Markup.Escape(m.Dataset), m.Model, m.Metric, Number(m.Before), Number(m.After),
                    m.Before is { } b && m.After is { } a ? ReportFormat.Signed(a - b) : "",
                    m.Test is null ? "" : $"{m.Test} p {ReportFormat.PValue(m.PValue ?? double.NaN)}");
            console.Write(table);
        }
        foreach (var note in change.Notes) console.WriteLine("  note: " + note);
    }

    private static string Number(double? value) => value is { } v ? ReportFormat.Number(v) : "—";
}
