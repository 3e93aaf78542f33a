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
        StageDefinition definition, IReadOnlyDictionary<string, StageOutcome> upstream, bool force, CancellationToken cancellationToken)
    {
        var kind = definition.Stage.Kind;
        var inputHashes = StageKeys.HashInputs(definition, cache.Hasher, cancellationToken);
        var keyInputs = StageKeys.Compose(definition, options.Seed, inputHashes,
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

        return await BuildAsync(definition, keyInputs, key, upstream, cancellationToken);
    }

    /// <summary>
    /// The cached outcome if the key has a published entry whose files still match its record; null if there is no
    /// entry or it is damaged (reported, then rebuilt by the caller: publishing replaces the damaged entry).
    /// </summary>
    private StageOutcome? TryReuse(StageDefinition definition, string key, bool warn = true)
    {
        if (cache.TryGetEntry(definition.Stage.Kind, key) is not { } entry) return null;
        var damage = EntryIntegrity.Check(entry, cache.Hasher);
        if (damage.Count == 0) return Cached(definition, entry);
        if (warn) Reporter.Warning($"{definition.Name}: the cached output {entry.Directory} is damaged ({string.Join("; ", damage)}); rebuilding it");
        return null;
    }

    private StageOutcome Cached(StageDefinition definition, CacheEntry entry)
    {
        Reporter.Info($"{definition.Name}: cached ({entry.Record.Key[..12]})");
        return new StageOutcome(definition.Name, definition.Stage.Kind, StageRunStatus.Cached, entry.Record.Key, entry.Directory,
            entry.Record.OutputHash, TimeSpan.Zero, entry.Record);
    }

    private async Task<StageOutcome> BuildAsync(
        StageDefinition definition, StageKeyInputs keyInputs, string key, IReadOnlyDictionary<string, StageOutcome> upstream, CancellationToken cancellationToken)
    {
        var kind = definition.Stage.Kind;
        var buildDirectory = cache.CreateBuildDirectory(kind, key);
        var workDirectory = cache.WorkDirectory(kind, key);
        Directory.CreateDirectory(workDirectory);
        var context = new StageContext
        {
            StageName = definition.Name,
            Key = key,
            OutputDirectory = buildDirectory,
            WorkDirectory = workDirectory,
            UpstreamOutputs = definition.DependsOn.ToDictionary(name => name, name => upstream[name].OutputDirectory, StringComparer.Ordinal),
            Seed = options.Seed,
            Reporter = Reporter,
        };

        Reporter.Info($"{definition.Name}: running ({key[..12]})");
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
            entry = cache.Publish(buildDirectory, record);
        }
        catch
        {
            TryDelete(buildDirectory);
            throw;
        }
        TryDelete(workDirectory);
        Reporter.Info($"{definition.Name}: done in {clock.Elapsed.TotalSeconds:F1} s");
        return new StageOutcome(definition.Name, kind, StageRunStatus.Ran, key, entry.Directory, entry.Record.OutputHash, clock.Elapsed, entry.Record);
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
