using System.ComponentModel;
using MedTune.Pipeline;
using MedTune.Tool.Console;
using MedTune.Tool.Experiments;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MedTune.Tool.Commands;

/// <summary>
/// <c>medtune verify FILE</c>: re-hashes the cached outputs against the committed lock file (exit 3 on drift);
/// <c>--rerun</c> re-executes every stage into a scratch cache and compares the outputs byte for byte.
/// </summary>
public sealed class VerifyCommand(IAnsiConsole console) : AsyncCommand<VerifyCommand.Settings>
{
    public sealed class Settings : ExperimentSettings
    {
        [CommandOption("--rerun")]
        [Description("Re-execute all stages into a scratch cache and compare their outputs with the lock file.")]
        public bool Rerun { get; init; }

        [CommandOption("--scratch <DIR>")]
        [Description("Scratch cache for --rerun (default: a new temporary directory, deleted afterwards).")]
        public string? Scratch { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var experiment = Experiment.Load(settings.Manifest, settings.Cache);
        var lockFile = LockFile.TryRead(experiment.LockPath)
            ?? throw new FileNotFoundException($"{experiment.LockPath}: no lock file to verify against. Run `medtune run {settings.Manifest}` first and commit the lock file.");
        return settings.Rerun ? await RerunAsync(experiment, lockFile, settings, cancellationToken) : VerifyCache(experiment, lockFile, settings.Json, cancellationToken);
    }

    private int VerifyCache(Experiment experiment, LockFile lockFile, bool json, CancellationToken cancellationToken)
    {
        var drift = PipelineVerifier.Verify(lockFile, experiment.Cache, cancellationToken);
        if (json)
        {
            console.WriteJson(new
            {
                lock_file = experiment.LockPath,
                mode = "cache",
                verified = drift.Count == 0,
                stages = lockFile.Stages.Count,
                differences = drift.Select(d => d.ToString()).ToArray(),
            });
            return drift.Count == 0 ? ExitCodes.Success : ExitCodes.NotReproduced;
        }
        if (drift.Count == 0)
        {
            console.MarkupLineInterpolated($"[green]verified[/]: {lockFile.Stages.Count} stages' cached outputs match {experiment.LockPath}");
            return ExitCodes.Success;
        }
        console.MarkupLineInterpolated($"[red]{drift.Count} difference(s)[/] between the cache and {experiment.LockPath}:");
        foreach (var d in drift) console.WriteLine("  " + d);
        return ExitCodes.NotReproduced;
    }

    private async Task<int> RerunAsync(Experiment experiment, LockFile lockFile, Settings settings, CancellationToken cancellationToken)
    {
        var scratch = settings.Scratch ?? Path.Combine(Path.GetTempPath(), "medtune-verify-" + Guid.NewGuid().ToString("N")[..12]);
        var reporter = settings.Quiet || settings.Json ? (IStageReporter)SilentStageReporter.Instance : new ConsoleStageReporter(console);
        try
        {
            var comparisons = await PipelineVerifier.RerunAsync(experiment.Stages, lockFile, scratch, experiment.Manifest.Seed,
                reporter, experiment.Manifest.ManifestDirectory, cancellationToken);
            var reproduced = comparisons.All(c => c.KeyMatches && c.OutputMatches);
            if (settings.Json)
            {
                console.WriteJson(new
                {
                    lock_file = experiment.LockPath,
                    mode = "rerun",
                    verified = reproduced,
                    stages = comparisons.Select(c => new { stage = c.Stage, key_matches = c.KeyMatches, output_matches = c.OutputMatches, differing_files = c.DifferingFiles }).ToArray(),
                });
                return reproduced ? ExitCodes.Success : ExitCodes.NotReproduced;
            }
            var table = new Table().AddColumns("stage", "key", "output");
            foreach (var c in comparisons)
                table.AddRow(Markup.Escape(c.Stage), c.KeyMatches ? "[green]same[/]" : "[red]differs[/]",
                    c.OutputMatches ? "[green]bit-identical[/]" : $"[red]differs[/] {Markup.Escape(string.Join(", ", c.DifferingFiles.Take(5)))}");
            console.Write(table);
            return reproduced ? ExitCodes.Success : ExitCodes.NotReproduced;
        }
        finally
        {
            if (settings.Scratch is null && Directory.Exists(scratch)) Directory.Delete(scratch, recursive: true);
        }
    }
}
