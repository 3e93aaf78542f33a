using System.ComponentModel;
using MedTune.Pipeline;
using MedTune.Reporting;
using MedTune.Tool.Experiments;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MedTune.Tool.Commands;

/// <summary>
/// <c>medtune report A.yaml B.yaml …</c>: the seed paper's table (models × {base, LoRA} × metrics) over experiments
/// that have been run: each one's report is found through its lock file in the cache.
/// </summary>
public sealed class ReportCommand(IAnsiConsole console) : Command<ReportCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<MANIFEST>")]
        [Description("Experiment manifests whose reports to compare (each must have been run).")]
        public string[] Manifests { get; init; } = [];

        [CommandOption("--cache <DIR>")]
        [Description("Stage cache directory (default as for run).")]
        public string? Cache { get; init; }

        [CommandOption("-o|--output <FILE>")]
        [Description("Also write the table (Markdown) to FILE.")]
        public string? Output { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var reports = settings.Manifests.Select(path => LoadReport(path, settings.Cache)).ToList();
        var markdown = ReportComparison.Render(reports);
        console.WriteLine(markdown);
        if (settings.Output is not null) AtomicFile.WriteAllText(settings.Output, markdown);
        return ExitCodes.Success;
    }

    private static (string, ReportData) LoadReport(string manifestPath, string? cacheOption)
    {
        var experiment = Experiment.Load(manifestPath, cacheOption);
        var lockFile = LockFile.TryRead(experiment.LockPath);
        if (lockFile is null || !lockFile.Stages.TryGetValue(ExperimentPlan.Report, out var locked))
            throw new FileNotFoundException($"{manifestPath}: no report in its lock file ({experiment.LockPath}). Run `medtune run {manifestPath}` first.");
        var entry = experiment.Cache.TryGetEntry(locked.Kind, locked.Key)
            ?? throw new DirectoryNotFoundException($"{manifestPath}: the locked report ({locked.Key[..12]}) is not in the cache {experiment.CacheRoot}. Run `medtune run {manifestPath}` to rebuild it.");
        return (experiment.Manifest.Name, ReportJson.Read(Path.Combine(entry.Directory, ReportJson.FileName)));
    }
}
