using System.ComponentModel;
using MedTune.Pipeline;
using MedTune.Tool.Cli;
using MedTune.Tool.Infrastructure;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MedTune.Tool.Commands;

/// <summary>
/// <c>medtune gc</c>: removes cache entries that none of the kept lock files references. Safe by default: it names the
/// lock files it keeps, never touches an entry a running stage holds (the cache's per-key locks) or one written within
/// the grace period, and refuses to empty a cache other experiments may share (one given with <c>--cache</c> or
/// <c>$MEDTUNE_CACHE</c>, or not this repository's <c>artifacts/cache</c>) unless <c>--exclusive</c> says these lock
/// files are all its users.
/// </summary>
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

        [CommandOption("--grace <DURATION>")]
        [Description("Keep anything written more recently than this (e.g. 24h, 90m, 7d; 0 for no grace). Default: 24h.")]
        public string Grace { get; init; } = "24h";

        [CommandOption("--exclusive")]
        [Description("The lock files given (or found) are the only users of this cache: remove what they do not reference even in a shared or external cache.")]
        public bool Exclusive { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var grace = Durations.Parse(settings.Grace, "--grace");
        var found = settings.LockFiles.Length == 0;
        var lockPaths = !found ? settings.LockFiles
            : Directory.Exists("experiments") ? Directory.GetFiles("experiments", "*.lock.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray() : [];
        if (lockPaths.Length == 0)
            throw new FileNotFoundException("gc: no lock files given and none found under experiments/: refusing to empty the whole cache. Name the lock files to keep.");
        foreach (var path in lockPaths)
            if (!File.Exists(path)) throw new FileNotFoundException($"gc: lock file {path} not found.");

        var cacheRoot = CacheLocation.Resolve(settings.Cache, lockPaths[0]);
        var repositoryCache = CacheLocation.RepositoryCache(Directory.GetCurrentDirectory());
        var accountedFor = settings.Cache is null && Environment.GetEnvironmentVariable("MEDTUNE_CACHE") is not { Length: > 0 }
            && repositoryCache is not null && PathsEqual(cacheRoot, repositoryCache);

        console.MarkupLineInterpolated($"cache: {cacheRoot}");
        console.MarkupLineInterpolated($"keeping what {lockPaths.Length} lock file(s) reference{(found ? " (found under experiments/)" : "")}:");
        foreach (var path in lockPaths) console.MarkupLineInterpolated($"  {path}");

        var keep = lockPaths.Select(LockFile.Read).ToList();
        var result = CacheGarbageCollector.Collect(cacheRoot, keep, dryRun: true, grace);
        if (!accountedFor && !settings.Exclusive && result.Removed.Count > 0)
        {
            var source = settings.Cache is not null ? "given with --cache"
                : Environment.GetEnvironmentVariable("MEDTUNE_CACHE") is { Length: > 0 } ? "set by $MEDTUNE_CACHE" : "not this repository's artifacts/cache";
            var why = $"the cache is {source}: other experiments may use it, and gc cannot see their lock files ({result.Removed.Count} entr{(result.Removed.Count == 1 ? "y" : "ies")} would go).";
            if (!settings.DryRun)
                throw new CommandOptionException($"gc: refusing to collect {cacheRoot}: {why} Name every lock file that uses it and add --exclusive (see what would go with --dry-run).");
            console.MarkupLineInterpolated($"[yellow]warning:[/] {why} Without --exclusive gc refuses to remove them; listed below is what --exclusive would remove.");
        }
        if (!settings.DryRun) result = CacheGarbageCollector.Collect(cacheRoot, keep, dryRun: false, grace);
        foreach (var item in result.Removed)
            console.MarkupLineInterpolated($"{(settings.DryRun ? "would remove" : "removed")} {item.Path} ({item.Bytes / 1048576.0:0.0} MiB)");
        foreach (var path in result.Skipped)
            console.MarkupLineInterpolated($"kept {path}: a running medtune holds its lock");
        if (result.TooRecent.Count > 0)
            console.MarkupLineInterpolated($"kept {result.TooRecent.Count} unreferenced entr{(result.TooRecent.Count == 1 ? "y" : "ies")} written within the last {settings.Grace} (--grace)");
        console.MarkupLineInterpolated($"{result.Removed.Count} entr{(result.Removed.Count == 1 ? "y" : "ies")}, {result.Removed.Sum(r => r.Bytes) / 1048576.0:0.0} MiB {(settings.DryRun ? "would be freed" : "freed")}.");
        return ExitCodes.Success;
    }

    private static bool PathsEqual(string a, string b) =>
        string.Equals(Path.TrimEndingDirectorySeparator(Path.GetFullPath(a)), Path.TrimEndingDirectorySeparator(Path.GetFullPath(b)), StringComparison.Ordinal);
}
