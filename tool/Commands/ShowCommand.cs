using System.ComponentModel;
using MedTune.Manifest;
using MedTune.Pipeline;
using MedTune.Reporting;
using MedTune.Tool.Console;
using MedTune.Tool.Experiments;
using MedTune.Tool.Infrastructure;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MedTune.Tool.Commands;

/// <summary>
/// <c>medtune show [FILE…]</c>: every experiment of the repository in one table (like <c>dvc exp show</c>): state from
/// the pipeline's status logic, key settings, and the metrics with CIs of each one's locked report.
/// </summary>
public sealed class ShowCommand(IAnsiConsole console) : Command<ShowCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "[MANIFEST]")]
        [Description("Experiment manifests (default: experiments/**/*.yaml of the repository holding the working directory).")]
        public string[] Manifests { get; init; } = [];

        [CommandOption("--cache <DIR>")]
        [Description("Stage cache for every experiment (default: each manifest's own, as for run).")]
        public string? Cache { get; init; }

        [CommandOption("--json")]
        [Description("Print JSON (every metric, state details), nothing else.")]
        public bool Json { get; init; }

        [CommandOption("--md")]
        [Description("Print a Markdown table (the default when the output is not a terminal).")]
        public bool Markdown { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.Json && settings.Markdown) throw new ArgumentException("--json and --md exclude each other: pick one output format.");
        var paths = settings.Manifests.Length > 0 ? settings.Manifests : ManifestFinder.InRepository(Directory.GetCurrentDirectory());
        if (paths.Count == 0)
            throw new FileNotFoundException($"No experiment manifests under {ManifestFinder.ExperimentsDirectory(Directory.GetCurrentDirectory())} (experiments/**/*.yaml); name them: medtune show FILE….");
        foreach (var path in settings.Manifests)
            if (!File.Exists(path)) throw new FileNotFoundException($"Manifest '{path}' not found.", path);

        var overviews = paths.Select(p => Overview(p, settings.Cache, cancellationToken)).ToList();
        if (settings.Json) console.WriteRaw(ExperimentTable.Json(overviews));
        // A drawn table only on a terminal: piped or in a CI log, wide tables would be squeezed and wrapped; the
        // Markdown table keeps every row on one line (greppable, and renders in CI summaries).
        else if (settings.Markdown || !console.Profile.Capabilities.Interactive) console.WriteRaw(ExperimentTable.Markdown(overviews));
        else Render(overviews);
        return ExitCodes.Success;
    }

    private void Render(IReadOnlyList<ExperimentOverview> overviews)
    {
        var cells = ExperimentTable.Cells(overviews);
        var table = new Table();
        foreach (var column in cells.Header) table.AddColumn(new TableColumn(Markup.Escape(column)).NoWrap());
        foreach (var row in cells.Rows) table.AddRow(row.Select((cell, i) => i == 1 ? StateMarkup(cell) : Markup.Escape(cell)).ToArray());
        console.Write(table);
        foreach (var e in overviews)
            foreach (var line in e.Details)
                console.MarkupLineInterpolated($"[grey]{e.Name}:[/] {line}");
    }

    private static ExperimentOverview Overview(string path, string? cacheOption, CancellationToken cancellationToken)
    {
        var shown = Shown(path);
        Experiment experiment;
        try
        {
            experiment = Experiment.Load(path, cacheOption);
        }
        catch (Exception e) when (e is ManifestException or PipelineDefinitionException)
        {
            // Settings can still be shown when only the inputs are absent (e.g. paper manifests without their data).
            try
            {
                var manifest = ManifestLoader.Load(path, checkFiles: false);
                return ExperimentOverview.From(manifest, shown, ExperimentOverview.States.InputsMissing, FirstLines(e.Message), null);
            }
            catch (ManifestException)
            {
                return new ExperimentOverview { Name = Path.GetFileNameWithoutExtension(path), Manifest = shown, State = ExperimentOverview.States.Invalid, Details = FirstLines(e.Message) };
            }
        }

        var lockFile = LockFile.TryRead(experiment.LockPath);
        var (state, details) = lockFile is null
            ? (ExperimentOverview.States.NotRun, (IReadOnlyList<string>)[])
            : State(PipelineStatus.Compute(experiment.Stages, lockFile, experiment.Cache, experiment.Manifest.Seed, cancellationToken));
        return ExperimentOverview.From(experiment.Manifest, shown, state, details, LockedReport(experiment, lockFile));
    }

    /// <summary>One state for the experiment from its stages' states: any stale (or never locked) stage makes it stale.</summary>
    private static (string, IReadOnlyList<string>) State(IReadOnlyList<StageStatus> statuses)
    {
        var stale = statuses.Where(s => s.State is StageState.Stale or StageState.NotInLock).ToArray();
        if (stale.Length > 0)
            return (ExperimentOverview.States.Stale, stale.Select(s => s.State == StageState.NotInLock
                ? $"{s.Name}: not in the lock file"
                : $"{s.Name}: {MainReason(s.Reasons)}").ToArray());
        var missing = statuses.Where(s => s.State == StageState.Missing).ToArray();
        if (missing.Length > 0)
            return (ExperimentOverview.States.NotInCache, [$"not in the cache: {string.Join(", ", missing.Select(s => s.Name))} (medtune run rebuilds them; --cache if it lives elsewhere)"]);
        return (ExperimentOverview.States.UpToDate, []);
    }

    /// <summary>A stage's own change first (upstream changes follow from another row), cut to one readable line; <c>medtune status</c> has them all.</summary>
    private static string MainReason(IReadOnlyList<string> reasons)
    {
        var reason = reasons.FirstOrDefault(r => !r.StartsWith("upstream ", StringComparison.Ordinal)) ?? reasons.FirstOrDefault() ?? "an upstream stage changed";
        return reason.Length <= 140 ? reason : reason[..139] + "…";
    }

    /// <summary>The report the lock file names, when the cache holds it (a stale experiment shows its last locked result).</summary>
    private static ReportData? LockedReport(Experiment experiment, LockFile? lockFile)
    {
        if (lockFile is null || !lockFile.Stages.TryGetValue(ExperimentPlan.Report, out var locked)) return null;
        var entry = experiment.Cache.TryGetEntry(locked.Kind, locked.Key);
        var path = entry is null ? null : Path.Combine(entry.Directory, ReportJson.FileName);
        return path is not null && File.Exists(path) ? ReportJson.Read(path) : null;
    }

    /// <summary>The errors of a manifest message (<c>file:line:col: key: what</c>), without its heading and hints; at most three.</summary>
    private static IReadOnlyList<string> FirstLines(string message)
    {
        var lines = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var errors = lines.Skip(lines.Length > 1 ? 1 : 0).Where(l => !l.StartsWith("hint:", StringComparison.Ordinal)).Take(3).ToArray();
        return errors.Length > 0 ? errors : lines.Take(1).ToArray();
    }

    private static string Shown(string path)
    {
        var relative = Path.GetRelativePath(Directory.GetCurrentDirectory(), Path.GetFullPath(path));
        return relative.StartsWith("..", StringComparison.Ordinal) ? Path.GetFullPath(path) : relative;
    }

    private static string StateMarkup(string state) => state switch
    {
        ExperimentOverview.States.UpToDate => "[green]up to date[/]",
        ExperimentOverview.States.Stale => "[yellow]stale[/]",
        ExperimentOverview.States.NotRun => "[grey]not run[/]",
        _ => $"[red]{Markup.Escape(state)}[/]",
    };
}
