using System.ComponentModel;
using System.Text.Json.Nodes;
using MedTune.Evaluation.Contamination;
using MedTune.Pipeline;
using MedTune.Reporting;
using MedTune.Tool.Cli;
using MedTune.Tool.Console;
using MedTune.Tool.Experiments;
using MedTune.Tool.Infrastructure;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MedTune.Tool.Commands;

/// <summary>
/// <c>medtune run FILE</c>: runs (or reuses from the cache) every stage of every variant, then writes each variant's
/// lock file beside the manifest. Stages run here (<c>--jobs N</c> at a time) or as Slurm jobs (<c>--executor slurm</c>).
/// </summary>
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

        [CommandOption("-j|--jobs <N>")]
        [Description("Local executor: run up to N independent stages at once (default: execution.jobs, 1); bounded by the memory stages state in execution.resources.")]
        public int? Jobs { get; init; }

        [CommandOption("--executor <KIND>")]
        [Description("local (this process) or slurm (one sbatch job per uncached stage, chained with afterok). Default: execution.executor, local.")]
        public string? Executor { get; init; }

        [CommandOption("--detach")]
        [Description("Slurm: submit the jobs and return; `medtune status` follows them, `medtune cancel` stops them.")]
        public bool Detach { get; init; }

        [CommandOption("--log-format <FORMAT>")]
        [Description("text (default: the interactive display; stage logs as text) or json (JSON lines on standard output and in stage logs, for CI).")]
        public string LogFormat { get; init; } = StageLogging.Text;

        [CommandOption("--no-memory-check")]
        [Description("Run even when `medtune plan` estimates that a stage cannot fit its device's memory.")]
        public bool NoMemoryCheck { get; init; }

        [CommandOption("--fail-on-contamination")]
        [Description("Exit 4 before training or evaluating anything when an evaluation question occurs in the training data (the contamination stage).")]
        public bool FailOnContamination { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        StageLogging.CheckFormat(settings.LogFormat);
        if (settings.Jobs is < 1) throw new CommandOptionException($"--jobs {settings.Jobs}: give 1 or more.");
        var set = ExperimentSet.Load(settings.Manifest, settings.Cache, settings.Variant);
        var first = set.Experiments[0].Manifest;
        var gates = FailUnderGates.Parse(settings.FailUnder, first);
        foreach (var experiment in set.Experiments)
            InputChecks.Require(experiment.Manifest); // bad data fails now (exit 2), not after training
        if (gates.Count > 0 && settings.Until is { } until && until != ExperimentPlan.Report)
            throw new CommandOptionException($"--fail-under checks the report, but --until {until} stops before it; drop one of the two.");
        var executorKind = settings.Executor ?? first.Execution.Executor;
        if (executorKind is not ("local" or "slurm")) throw new CommandOptionException($"--executor '{executorKind}': use local or slurm.");
        if (settings.Detach && executorKind != "slurm") throw new CommandOptionException("--detach needs the Slurm executor (--executor slurm).");
        // On Slurm the memory check is the scheduler's: each job asks for what plan estimates (or what the manifest states).
        if (!settings.NoMemoryCheck && executorKind == "local")
            foreach (var experiment in set.Experiments)
                MemoryCheck.Verify(experiment, set.Estimates[experiment.Manifest.Name], settings.Until, settings.Force, cancellationToken);

        using var jsonLogs = settings.LogFormat == StageLogging.Json ? StageLogging.JsonConsole() : null;
        IStageReporter output = jsonLogs is not null ? new StageLogging.LoggerReporter(jsonLogs.CreateLogger("medtune"))
            : settings.Json || settings.Quiet ? new SilentStageReporter() : new ConsoleStageReporter(console);
        var lockBefore = set.Experiments.ToDictionary(e => e.Manifest.Name, e => LockFile.TryRead(e.LockPath));
        if (settings.FailOnContamination)
            foreach (var experiment in set.Experiments)
                if (await ContaminationGateAsync(experiment, output, settings, cancellationToken) is { } gateExit)
                    return gateExit;

        foreach (var warning in set.Experiments.Select(e => CpuDtypeWarning.ForThisMachine(e.Manifest)).OfType<string>().Distinct())
            output.Warning(warning);
        var options = Options(set, settings, output);
        if (executorKind == "local") CpuShare.Apply(options.Jobs);
        if (output is ConsoleStageReporter)
            console.MarkupLineInterpolated($"[bold]{set.Matrix.Name}[/]: {Describe(set)}, cache {set.CacheRoot}, executor {executorKind}");
        var runner = new PipelineRunner(options);
        Func<StageCache, IPipelineExecutor>? executor = executorKind == "slurm"
            ? _ => new SlurmExecutor(ClusterJobs.Options(set, output, settings.Detach))
            : null;
        var run = output is ConsoleStageReporter reporter
            ? await reporter.RunWithProgressAsync(() => runner.RunAllAsync(set.Runs, executor, cancellationToken))
            : await runner.RunAllAsync(set.Runs, executor, cancellationToken);

        if (run.Results is null)
        {
            console.MarkupLineInterpolated($"submitted {run.Plan.Missing.Count()} stage(s) to Slurm; follow them with `medtune status {settings.Manifest}`, stop them with `medtune cancel {settings.Manifest}`, and run again to write the lock file(s).");
            return ExitCodes.Success;
        }

        var failedGates = new List<FailUnderViolation>();
        var summaries = new JsonArray();
        var variantResults = new List<VariantResult>();
        foreach (var experiment in set.Experiments)
        {
            var result = run.Results[experiment.Manifest.Name];
            LockFile.FromRun(experiment.Manifest.Name, result, lockBefore[experiment.Manifest.Name]).Write(experiment.LockPath);
            var reportDirectory = result.Stages.FirstOrDefault(s => s.Name == ExperimentPlan.Report)?.OutputDirectory;
            var report = reportDirectory is null ? null : ReportJson.Read(Path.Combine(reportDirectory, ReportJson.FileName));
            var failed = report is null ? [] : FailUnder.Check(report, gates);
            var latestReport = reportDirectory is null
                ? null
                : LatestReport.Publish(reportDirectory, CacheLocation.ReportsRoot(experiment.Manifest.ManifestPath), experiment.Manifest.Name);
            failedGates.AddRange(failed);
            if (report is not null)
                variantResults.Add(new VariantResult(experiment.Manifest.Name, report, result.Stages
                    .Where(s => s.Kind == "evaluate").ToDictionary(s => s.Name[(ExperimentPlan.EvaluateOf("").Length)..], s => s.OutputDirectory)));
            if (settings.Json) summaries.Add(RunSummaryJson(experiment, result, reportDirectory, latestReport, failed));
            else RunSummaryView.Render(console, experiment, result, report, reportDirectory, latestReport, failed, tables: !settings.Quiet);
        }

        var matrixReport = set.Matrix.IsMatrix && variantResults.Count > 1 ? WriteMatrixReport(set, variantResults) : null;
        if (settings.Json)
        {
            var json = set.Matrix.IsMatrix ? new JsonObject { ["variants"] = summaries, ["matrix_report"] = matrixReport } : summaries[0]!.DeepClone();
            console.WriteJson(json);
        }
        else if (matrixReport is not null)
        {
            console.WriteLine(File.ReadAllText(matrixReport));
            console.MarkupLineInterpolated($"matrix report: {matrixReport}");
        }

        if (gates.Count > 0 && variantResults.Count == 0)
        {
            console.MarkupLine("[red]--fail-under needs the report stage; it did not run (--until?).[/]");
            return ExitCodes.GateFailed;
        }
        return failedGates.Count > 0 ? ExitCodes.GateFailed : ExitCodes.Success;
    }

    private static PipelineRunnerOptions Options(ExperimentSet set, Settings settings, IStageReporter output) => new()
    {
        CacheRoot = set.CacheRoot,
        Seed = set.Experiments[0].Manifest.Seed,
        Until = settings.Until,
        Force = settings.Force,
        ExperimentDirectory = set.Experiments[0].Manifest.ManifestDirectory,
        Reporter = output,
        Jobs = settings.Jobs ?? set.Experiments[0].Manifest.Execution.Jobs,
        MemoryOf = stage => set.ResourcesFor(stage).MemBytes,
        StageLogs = StageLogging.Files(settings.LogFormat),
    };

    private static string Describe(ExperimentSet set) => set.Matrix.IsMatrix
        ? $"{set.Experiments.Count} of {set.Matrix.Variants.Count} variants ({string.Join(", ", set.Experiments.Select(e => e.VariantLabel))})"
        : $"{set.Experiments[0].Stages.Count} stages";

    /// <summary>The table across variants with the paired tests report.compare asks for, in the cache's reports folder.</summary>
    private static string WriteMatrixReport(ExperimentSet set, List<VariantResult> variants)
    {
        var manifest = set.Experiments[0].Manifest;
        var markdown = MatrixReport.Render(set.Matrix.Name, variants, set.Matrix.Compare.Select(p => (p.First, p.Second)).ToList(),
            manifest.Evaluate.BootstrapResamples, manifest.Seed);
        var path = Path.Combine(set.CacheRoot, "reports", set.Matrix.Name + ".matrix.md");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        AtomicFile.WriteAllText(path, markdown);
        return path;
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

    private static JsonObject RunSummaryJson(Experiment experiment, PipelineResult result, string? reportDirectory, string? latestReport,
        IReadOnlyList<FailUnderViolation> failedGates) => new()
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
        ["latest_report"] = latestReport,
        ["report"] = reportDirectory is null ? null : JsonNode.Parse(File.ReadAllText(Path.Combine(reportDirectory, ReportJson.FileName))),
        ["failed_gates"] = new JsonArray(failedGates.Select(g => (JsonNode)g.ToString()).ToArray()),
    };
}
