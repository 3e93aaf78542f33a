using MedTune.Checkpoints;
using MedTune.Manifest;
using MedTune.Pipeline;
using MedTune.Scoring;
using MedTune.Tool.Cli;
using MedTune.Tool.Console;
using MedTune.Tool.Experiments;
using MedTune.Tool.Commands;
using MedTune.Tool.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MedTune.Tool;

/// <summary>The <c>medtune</c> command line: commands, services and the mapping of failures to exit codes.</summary>
public static class MedTuneApp
{
    public static async Task<int> RunAsync(string[] args, IAnsiConsole? console = null, CancellationToken cancellationToken = default)
    {
        console ??= ConsoleSetup.ForProcess();
        var host = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        host.Services.AddSingleton(console);

        var app = new CommandApp(new TypeRegistrar(host.Services));
        var interceptor = new StrictOptionsInterceptor();
        app.Configure(config =>
        {
            config.SetApplicationName("medtune");
            config.SetApplicationVersion(ToolVersion.Informational);
            config.PropagateExceptions();
            // Every command, including ones added later, rejects options it does not declare (exit 2, did-you-mean).
            config.SetInterceptor(interceptor);
            config.Settings.Console = console;
            config.AddCommand<RunCommand>("run").WithDescription("Run an experiment's stages (train → merge → export → evaluate → report), reusing cached ones, and write its lock file.")
                .WithExample("run", "experiments/quickstart.yaml");
            config.AddCommand<PlanCommand>("plan").WithDescription("Estimate each stage's peak memory and disk on its device, before anything is loaded.")
                .WithExample("plan", "experiments/paper/jmedlora.yaml");
            config.AddCommand<StatusCommand>("status").WithDescription("Show each stage as up to date, stale (and why) or missing.");
            config.AddCommand<VerifyCommand>("verify").WithDescription("Check cached outputs against the lock file; --rerun re-executes and compares.");
            config.AddCommand<ValidateCommand>("validate").WithDescription("Check manifests: keys, types, ranges and files.");
            config.AddCommand<SchemaCommand>("schema").WithDescription("Print the manifest's JSON Schema (for editors).");
            config.AddCommand<ScoreCommand>("score").WithDescription("Score predictions on exam questions (accuracy, exact match, Gestalt score; or letters).");
            config.AddCommand<ReportCommand>("report").WithDescription("Compare experiments: every metric with CIs, and paired tests against the first on shared questions.")
                .WithExample("report", "experiments/quickstart.yaml");
            config.AddCommand<ShowCommand>("show").WithDescription("Every experiment in one table: state (up to date / stale / not run), key settings, metrics with CIs.");
            config.AddCommand<CancelCommand>("cancel").WithDescription("Cancel (scancel) the Slurm jobs `run --executor slurm` submitted for a manifest.");
            config.AddBranch("stage", stage =>
            {
                stage.SetDescription("Run one stage (what a cluster job runs).");
                stage.HideBranch();
                stage.AddCommand<StageRunCommand>("run").WithDescription("Run exactly one stage into the cache; its upstream stages must be cached.");
            });
            config.AddCommand<GenerateCommand>("generate").WithDescription("Answer prompts with an experiment's model (by label), an exported model or a checkpoint plus adapter.")
                .WithExample("generate", "experiments/quickstart.yaml", "--model", "tuned", "--prompt", "糖尿病の三大合併症は？");
            config.AddCommand<ChatCommand>("chat").WithDescription("Talk to a model interactively; answers stream as they are generated, in the template it was tuned with.")
                .WithExample("chat", "experiments/quickstart.yaml", "--model", "tuned");
            config.AddCommand<DiffCommand>("diff").WithDescription("What changed between two git revisions (default HEAD vs the work tree): settings, stages to re-run and why, metrics before/after.");
            config.AddCommand<GcCommand>("gc").WithDescription("Remove cache entries no lock file references.");
        });

        try
        {
            return await app.RunAsync(args, cancellationToken);
        }
        catch (Exception e)
        {
            var exitCode = ExitCodeFor(e);
            var inner = Unwrap(e);
            if (interceptor.Settings is IJsonOutputSettings { Json: true })
                console.WriteJson(new { error = exitCode == ExitCodes.Cancelled ? "cancelled" : UserMessages.For(inner, args), exit_code = exitCode });
            else if (exitCode == ExitCodes.Cancelled) console.MarkupLine("[yellow]cancelled[/]: nothing half-written was published; re-run to continue.");
            else
            {
                console.MarkupLine(exitCode == ExitCodes.InvalidInput ? "[red]error:[/]" : "[red]stage failed:[/]");
                console.WriteLine(UserMessages.For(inner, args));
                if (Environment.GetEnvironmentVariable("MEDTUNE_DEBUG") == "1") console.WriteException(inner);
            }
            return exitCode;
        }
    }

    /// <summary>Bad input (exit 2) is anything the user can fix in a file or an option; everything else is a failed stage.</summary>
    public static int ExitCodeFor(Exception e) => Unwrap(e) switch
    {
        OperationCanceledException => ExitCodes.Cancelled,
        ManifestException or InputDataException or CommandOptionException or CommandParseException or CommandRuntimeException or CheckpointException or ExamDataException
            or FileNotFoundException or DirectoryNotFoundException or InvalidDataException or ArgumentException
            or PipelineDefinitionException or Experiments.MemoryCheckException or Inference.ExecutionProviderUnavailableException
            or MedTune.Training.LoraAdapterException => ExitCodes.InvalidInput,
        _ => ExitCodes.StageFailed,
    };

    private static Exception Unwrap(Exception e)
    {
        while (e is AggregateException { InnerExceptions.Count: 1 } or System.Reflection.TargetInvocationException && e.InnerException is not null)
            e = e.InnerException!;
        return e;
    }
}
