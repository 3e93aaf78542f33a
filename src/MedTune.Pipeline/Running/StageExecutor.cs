using Microsoft.Extensions.Logging;
using System.Diagnostics;

namespace MedTune.Pipeline;

/// <summary>
/// One stage's life: compute its key; reuse a complete entry; otherwise take the key's lock (waiting for
/// another process that builds the same key, then reusing its result), run the stage into a build
/// directory, hash the output, write the record and publish. A stage that throws or is cancelled leaves
/// no entry (its build directory is removed; its work directory stays for resuming).
/// </summary>
internal sealed class StageExecutor(StageCache cache, PipelineRunnerOptions options)
{
    private readonly Lazy<GitState> git = new(() => GitState.Of(options.ExperimentDirectory));

    private IStageReporter Reporter => options.Reporter;

    public async Task<StageOutcome> RunAsync(
        StageDefinition definition, IReadOnlyDictionary<string, StageOutcome> upstream, int seed, bool force, CancellationToken cancellationToken)
    {
        var kind = definition.Stage.Kind;
        var inputHashes = StageKeys.HashInputs(definition, cache.Hasher, cancellationToken);
        var keyInputs = StageKeys.Compose(definition, seed, inputHashes,
            definition.DependsOn.ToDictionary(name => name, name => upstream[name].OutputHash));
        var key = keyInputs.ComputeKey();

        if (!force && TryReuse(definition, key) is { } hit) return hit;

        using var keyLock = await cache.LockAsync(kind, key,
            () => Reporter.Info($"{definition.Name}: waiting for another medtune run that is building the same output (lock {cache.LockFilePath(kind, key)})"),
            options.LockPollInterval, cancellationToken);

        // Another process may have published this key while we waited for its lock.
        if (!force && TryReuse(definition, key, warn: false) is { } published) return published;

        foreach (var abandoned in cache.RemoveAbandonedBuilds(kind, key))
            Reporter.Warning($"{definition.Name}: removed the unfinished build {abandoned} left by an interrupted run");

        return await BuildAsync(definition, keyInputs, key, upstream, seed, cancellationToken);
    }

    /// <summary>
    /// The cached outcome if the key has a published entry whose files still match its record; null if there is no
    /// entry or it is damaged (reported, then rebuilt by the caller: publishing replaces the damaged entry).
    /// </summary>
    private StageOutcome? TryReuse(StageDefinition definition, string key, bool warn = true)
    {
        if (cache.TryGetEntry(definition.Stage.Kind, key) is not { } entry) return null;
        var damage = EntryIntegrity.Check(entry, cache.Hasher);
        if (damage.Count == 0) return Cached(definition, entry, Reporter);
        if (warn) Reporter.Warning($"{definition.Name}: the cached output {entry.Directory} is damaged ({string.Join("; ", damage)}); rebuilding it");
        return null;
    }

    public static StageOutcome Cached(StageDefinition definition, CacheEntry entry, IStageReporter reporter)
    {
        reporter.Info($"{definition.Name}: cached ({entry.Record.Key[..12]})");
        return new StageOutcome(definition.Name, definition.Stage.Kind, StageRunStatus.Cached, entry.Record.Key, entry.Directory,
            entry.Record.OutputHash, TimeSpan.Zero, entry.Record);
    }

    private async Task<StageOutcome> BuildAsync(
        StageDefinition definition, StageKeyInputs keyInputs, string key, IReadOnlyDictionary<string, StageOutcome> upstream, int seed, CancellationToken cancellationToken)
    {
        var kind = definition.Stage.Kind;
        var buildDirectory = cache.CreateBuildDirectory(kind, key);
        var workDirectory = cache.WorkDirectory(kind, key);
        Directory.CreateDirectory(workDirectory);
        var logPath = Path.Combine(buildDirectory, StageLog.FileName);
        var logs = options.StageLogs?.Invoke(logPath);
        var logger = logs?.CreateLogger("medtune.stage." + definition.Name);
        var reporter = logger is null ? Reporter : StageLog.Tee(Reporter, logger);
        var context = new StageContext
        {
            StageName = definition.Name,
            Key = key,
            OutputDirectory = buildDirectory,
            WorkDirectory = workDirectory,
            UpstreamOutputs = definition.DependsOn.ToDictionary(name => name, name => upstream[name].OutputDirectory, StringComparer.Ordinal),
            Seed = seed,
            Reporter = reporter,
        };
        // A cluster job's id goes into the record (unhashed), so that a result can be traced to its job and log.
        if (Environment.GetEnvironmentVariable("SLURM_JOB_ID") is { Length: > 0 } slurmJob)
        {
            context.RecordFacts["slurm_job_id"] = slurmJob;
            reporter.Info($"{definition.Name}: Slurm job {slurmJob} on {Environment.GetEnvironmentVariable("SLURMD_NODENAME") ?? Environment.MachineName}");
        }

        reporter.Info($"{definition.Name}: running ({key[..12]})");
        var startedAt = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        CacheEntry entry;
        try
        {
            await definition.Stage.RunAsync(context, cancellationToken);
            cancellationToken.ThrowIfCancellationRequested();
            var files = ContentHasher.Uncached.HashFiles(buildDirectory, cancellationToken);
            clock.Stop();
            var record = StageRecordBuilder.Build(definition, keyInputs, key, upstream, files, startedAt, clock.Elapsed, context, git.Value);
            reporter.Info($"{definition.Name}: output {record.OutputHash[..12]}, {files.Count} files");
            logs?.Dispose();
            logs = null;
            entry = cache.Publish(buildDirectory, record);
        }
        catch (Exception e)
        {
            if (logs is not null)
            {
                logger!.LogError(e, "{Stage} failed", definition.Name);
                logs.Dispose();
                KeepFailedLog(logPath, workDirectory);
            }
            TryDelete(buildDirectory);
            throw;
        }
        TryDelete(workDirectory);
        Reporter.Info($"{definition.Name}: done in {clock.Elapsed.TotalSeconds:F1} s");
        return new StageOutcome(definition.Name, kind, StageRunStatus.Ran, key, entry.Directory, entry.Record.OutputHash, clock.Elapsed, entry.Record);
    }

    /// <summary>The build directory of a failed stage is deleted; its log moves to the key's work directory, which stays.</summary>
    private void KeepFailedLog(string logPath, string workDirectory)
    {
        try
        {
            if (File.Exists(logPath)) File.Move(logPath, Path.Combine(workDirectory, StageLog.FileName), overwrite: true);
            Reporter.Warning($"the failed stage's log: {Path.Combine(workDirectory, StageLog.FileName)}");
        }
        catch (IOException e)
        {
            Reporter.Warning($"could not keep the stage log {logPath}: {e.Message}");
        }
    }

    private void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
        catch (IOException e)
        {
            Reporter.Warning($"could not delete {directory}: {e.Message} (the next run or `medtune gc` removes it)");
        }
    }
}
