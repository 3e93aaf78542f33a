using System.ComponentModel;
using MedTune.Evaluation;
using MedTune.Pipeline;
using MedTune.Reporting;
using MedTune.Tool.Console;
using MedTune.Tool.Experiments;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MedTune.Tool.Commands;

/// <summary>
/// <c>medtune report A.yaml B.yaml …</c>: every metric of several run experiments with CIs, and paired tests of each
/// against the first on shared questions. Each experiment's report and predictions are found through its lock file in
/// its own cache (resolved per manifest as for run; <c>--cache</c> overrides it for all).
/// </summary>
public sealed class ReportCommand(IAnsiConsole console) : Command<ReportCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<MANIFEST>")]
        [Description("Experiment manifests whose reports to compare (each must have been run); the first is the reference of the paired tests.")]
        public string[] Manifests { get; init; } = [];

        [CommandOption("--cache <DIR>")]
        [Description("Stage cache for every experiment (default: each manifest's own, as for run: $MEDTUNE_CACHE, else artifacts/cache in its git work tree).")]
        public string? Cache { get; init; }

        [CommandOption("-o|--output <FILE>")]
        [Description("Also write the comparison (Markdown) to FILE.")]
        public string? Output { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var experiments = settings.Manifests.Select(path => Load(path, settings.Cache)).ToList();
        var markdown = ReportComparison.Render(experiments);
        console.WriteRaw(markdown);
        if (settings.Output is not null) AtomicFile.WriteAllText(settings.Output, markdown);
        return ExitCodes.Success;
    }

    private static ComparedExperiment Load(string manifestPath, string? cacheOption)
    {
        var experiment = Experiment.Load(manifestPath, cacheOption);
        var lockFile = LockFile.TryRead(experiment.LockPath);
        if (lockFile is null || !lockFile.Stages.TryGetValue(ExperimentPlan.Report, out var locked))
            throw new FileNotFoundException($"{manifestPath}: no report in its lock file ({experiment.LockPath}). Run `medtune run {manifestPath}` first.");
        var entry = experiment.Cache.TryGetEntry(locked.Kind, locked.Key)
            ?? throw new DirectoryNotFoundException(
                $"{manifestPath}: the locked report ({locked.Key[..12]}) is not in the cache {experiment.CacheRoot} "
                + $"({CacheSource(cacheOption)}). If this experiment was run with another cache, pass it with --cache DIR "
                + $"(or set MEDTUNE_CACHE); otherwise run `medtune run {manifestPath}` to rebuild it.");
        var report = ReportJson.Read(Path.Combine(entry.Directory, ReportJson.FileName));

        var evaluations = new List<ModelEvaluation>();
        foreach (var label in report.Models)
            if (lockFile.Stages.TryGetValue(ExperimentPlan.EvaluateOf(label), out var evaluate)
                && experiment.Cache.TryGetEntry(evaluate.Kind, evaluate.Key) is { } evaluated)
                evaluations.Add(ModelEvaluation.Read(label, evaluated.Directory));
        return ComparedExperiment.From(experiment.Manifest.Name, report, evaluations) with
        {
            Seed = experiment.Manifest.Seed,
            Resamples = Math.Max(1, experiment.Manifest.Evaluate.BootstrapResamples),
        };
    }

    private static string CacheSource(string? option) =>
        option is not null ? "from --cache"
        : !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("MEDTUNE_CACHE")) ? "from $MEDTUNE_CACHE"
        : "the default for this manifest";
}
