using System.ComponentModel;
using MedTune.Pipeline;
using MedTune.Tool.Experiments;
using MedTune.Tool.Infrastructure;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MedTune.Tool.Commands;

/// <summary>
/// <c>medtune stage run FILE --stage NAME [--variant LABEL]</c> (hidden): runs exactly one stage into the cache, what a
/// Slurm job of <c>medtune run --executor slurm</c> executes. Every stage it depends on must be cached already (the job's
/// afterok dependencies); it writes no lock file (the submitting <c>medtune run</c> does).
/// </summary>
public sealed class StageRunCommand(IAnsiConsole console) : AsyncCommand<StageRunCommand.Settings>
{
    public sealed class Settings : ExperimentSettings
    {
        [CommandOption("--stage <NAME>")]
        [Description("The stage to run (e.g. train, evaluate-base).")]
        public string Stage { get; init; } = "";

        [CommandOption("--log-format <FORMAT>")]
        [Description("text or json (JSON lines on standard output and in the stage log).")]
        public string LogFormat { get; init; } = StageLogging.Text;
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        StageLogging.CheckFormat(settings.LogFormat);
        var set = ExperimentSet.Load(settings.Manifest, settings.Cache, settings.Variant);
        if (set.Experiments.Count != 1)
            throw new ArgumentException($"{settings.Manifest} has {set.Experiments.Count} variants; name one with --variant ({string.Join(", ", set.Matrix.Variants.Select(v => v.Label))}).");
        var experiment = set.Experiments[0];
        if (experiment.Stages.All(s => s.Name != settings.Stage))
            throw new ArgumentException($"--stage '{settings.Stage}': stages are {string.Join(", ", experiment.Stages.Select(s => s.Name))}.");

        using var jsonLogs = settings.LogFormat == StageLogging.Json ? StageLogging.JsonConsole() : null;
        IStageReporter output = jsonLogs is not null ? new StageLogging.LoggerReporter(jsonLogs.CreateLogger("medtune")) : new Console.ConsoleStageReporter(console);
        var runner = new PipelineRunner(new PipelineRunnerOptions
        {
            CacheRoot = set.CacheRoot,
            Seed = experiment.Manifest.Seed,
            Until = settings.Stage,
            RequireUpstreamCached = settings.Stage,
            ExperimentDirectory = experiment.Manifest.ManifestDirectory,
            Reporter = output,
            StageLogs = StageLogging.Files(settings.LogFormat),
        });
        var result = await runner.RunAllAsync(set.Runs, null, cancellationToken);
        var outcome = result.Results![experiment.Manifest.Name][settings.Stage];
        output.Info($"{experiment.Manifest.Name}/{settings.Stage}: {(outcome.Status == StageRunStatus.Ran ? "ran" : "cached")}, output {outcome.OutputDirectory}");
        return ExitCodes.Success;
    }
}
