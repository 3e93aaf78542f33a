using System.ComponentModel;
using MedTune.Pipeline;
using MedTune.Tool.Infrastructure;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MedTune.Tool.Commands;

/// <summary><c>medtune gc</c>: removes cache entries that no lock file references.</summary>
public sealed class GcCommand(IAnsiConsole console) : Command<GcCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "[LOCKFILES]")]
        [Description("Lock files whose entries are kept (default: every *.lock.json under experiments/).")]
        public string[] LockFiles { get; init; } = [];

        [CommandOption("--cache <DIR>")]
        [Description("Stage cache directory (default: $MEDTUNE_CACHE, else artifacts/cache of the current git work tree).")]
        public string? Cache { get; init; }

        [CommandOption("-n|--dry-run")]
        [Description("List what would be removed without removing it.")]
        public bool DryRun { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var lockPaths = settings.LockFiles.Length > 0 ? settings.LockFiles
            : Directory.Exists("experiments") ? Directory.GetFiles("experiments", "*.lock.json", SearchOption.AllDirectories) : [];
        if (lockPaths.Length == 0)
            throw new FileNotFoundException("gc: no lock files given and none found under experiments/: refusing to empty the whole cache. Name the lock files to keep.");
        var cacheRoot = CacheLocation.Resolve(settings.Cache, lockPaths[0]);
        var result = CacheGarbageCollector.Collect(cacheRoot, lockPaths.Select(LockFile.Read), settings.DryRun);
        foreach (var item in result.Removed)
            console.MarkupLineInterpolated($"{(settings.DryRun ? "would remove" : "removed")} {item.Path} ({item.Bytes / 1048576.0:0.0} MiB)");
        console.MarkupLineInterpolated($"{result.Removed.Count} entr{(result.Removed.Count == 1 ? "y" : "ies")}, {result.Removed.Sum(r => r.Bytes) / 1048576.0:0.0} MiB {(settings.DryRun ? "would be freed" : "freed")}; kept what {lockPaths.Length} lock file(s) reference.");
        return ExitCodes.Success;
    }
}
