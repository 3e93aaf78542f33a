using System.ComponentModel;
using System.Text.Json.Nodes;
using MedTune.Evaluation.Contamination;
using MedTune.Pipeline;
using MedTune.Reporting;
using MedTune.Tool.Cli;
using MedTune.Tool.Console;
using MedTune.Tool.Experiments;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MedTune.Tool.Commands;

/// <summary><c>medtune run FILE</c>: runs (or reuses from the cache) every stage, then writes the lock file beside the manifest.</summary>
public sealed class RunCommand(IAnsiConsole console) : AsyncCommand<RunCommand.Settings>
{
    public sealed class Settings : ExperimentSettings
    {
        [CommandOption("--until <STAGE>")]
        [Description("Run only this stage (name or kind: train, merge, export, evaluate, report) and what it needs.")]
        public string? Until { get; init; }

        [CommandOption("--force <STAGE>")]
        [Description("Re-run this stage (name or kind) even if it is cached; repeatable.")]
        public string[] Force { get; init; } = [];

        [CommandOption("--fail-under <METRIC=VALUE>")]
        [Description("Exit 4 unless a metric reaches VALUE, e.g. tuned.exact_match=0.3 or base.accuracy=0.2; repeatable.")]
        public string[] FailUnder { get; init; } = [];

        [CommandOption("--fail-on-contamination")]
        [Description("Exit 4 before training or evaluating anything when an evaluation question occurs in the training data (the contamination stage).")]
        public bool FailOnContamination { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var experiment = Experiment.Load(settings.Manifest, settings.Cache);
        var gates = FailUnderGates.Parse(settings.FailUnder, experiment.Manifest);
        InputChecks.Require(experiment.Manifest); // bad data fails now (exit 2), not after training
        if (gates.Count > 0 && settings.Until is { } until && until != ExperimentPlan.Report)
            throw new CommandOptionException($"--fail-under checks the report, but --until {until} stops before it; drop one of the two.");
        var output = settings.Json || settings.Quiet ? new SilentStageReporter() as IStageReporter : new ConsoleStageReporter(console);
        var lockBefore = LockFile.TryRead(experiment.LockPath);

        if (!settings.Json && !settings.Quiet)
            console.MarkupLineInterpolated($"[bold]{experiment.Manifest.Name}[/]: {experiment.Stages.Count} stages, cache {experiment.CacheRoot}");
        if (settings.FailOnContamination && await ContaminationGateAsync(experiment, output, settings, cancellationToken) is { } gateExit)
            return gateExit;
        var runner = experiment.Runner(output, settings.Until, settings.Force);
        var result = output is ConsoleStageReporter reporter
            ? await reporter.RunWithProgressAsync(() => runner.RunAsync(experiment.Stages, cancellationToken))
            : await runner.RunAsync(experiment.Stages, cancellationToken);

        var lockFile = LockFile.FromRun(experiment.Manifest.Name, result, lockBefore);
        lockFile.Write(experiment.LockPath);

        var reportDirectory = result.Stages.FirstOrDefault(s => s.Name == ExperimentPlan.Report)?.OutputDirectory;
        var report = reportDirectory is null ? null : ReportJson.Read(Path.Combine(reportDirectory, ReportJson.FileName));
        var failedGates = report is null ? [] : FailUnder.Check(report, gates);

        if (settings.Json)
            console.WriteJson(RunSummaryJson(experiment, result, reportDirectory, failedGates));
        else
            RunSummaryView.Render(console, experiment, result, report, reportDirectory, failedGates, tables: !settings.Quiet);

        if (gates.Count > 0 && reportDirectory is null)
        {
            console.MarkupLine("[red]--fail-under needs the report stage; it did not run (--until?).[/]");
            return ExitCodes.GateFailed;
        }
        return failedGates.Count > 0 ? ExitCodes.GateFailed : ExitCodes.Success;
    }

    /// <summary>
    /// Runs the contamination stage alone (cached like any stage) and fails the gate when any evaluation question
    /// occurs in the training data: null to go on with the run, else the exit code. The lock file is left as it was.
    /// </summary>
    private async Task<int?> ContaminationGateAsync(Experiment experiment, IStageReporter output, Settings settings, CancellationToken cancellationToken)
    {
        if (experiment.Stages.All(s => s.Name != ExperimentPlan.Contamination)) return null; // nothing trained or nothing evaluated
        var result = await experiment.Runner(output, ExperimentPlan.Contamination, settings.Force).RunAsync(experiment.Stages, cancellationToken);
        var stage = result.Stages.Single(s => s.Name == ExperimentPlan.Contamination);
        var overlap = ContaminationReport.TryRead(stage.OutputDirectory)
                      ?? throw new InvalidDataException($"{stage.OutputDirectory} has no {ContaminationStage.FileName}; run with --force contamination.");
        if (!overlap.Any) return null;
        foreach (var dataset in overlap.Datasets.Where(d => d.Contaminated > 0))
        {
            if (settings.Json) console.WriteRaw(new JsonObject { ["contamination"] = dataset.Dataset, ["sentence"] = dataset.Sentence }.ToJsonString() + "\n");
            else console.MarkupLineInterpolated($"[red]--fail-on-contamination: {dataset.Dataset}: {dataset.Sentence}[/]");
        }
        return ExitCodes.GateFailed;
    }

    private static JsonObject RunSummaryJson(Experiment experiment, PipelineResult result, string? reportDirectory, IReadOnlyList<FailUnderViolation> failedGates) => new()
    {
        ["experiment"] = experiment.Manifest.Name,
        ["lock_file"] = experiment.LockPath,
        ["stages"] = new JsonArray(result.Stages.Select(s => (JsonNode)new JsonObject
        {
            ["name"] = s.Name,
            ["status"] = s.Status == StageRunStatus.Ran ? "ran" : "cached",
            ["key"] = s.Key,
            ["output_hash"] = s.OutputHash,
            ["output"] = s.OutputDirectory,
            ["seconds"] = Math.Round(s.Duration.TotalSeconds, 3),
        }).ToArray()),
        ["report"] = reportDirectory is null ? null : JsonNode.Parse(File.ReadAllText(Path.Combine(reportDirectory, ReportJson.FileName))),
        ["failed_gates"] = new JsonArray(failedGates.Select(g => (JsonNode)g.ToString()).ToArray()),
    };
}
