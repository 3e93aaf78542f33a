namespace MedTune.Pipeline;

/// <summary>How <see cref="SlurmExecutor"/> turns stages into jobs and follows them.</summary>
public sealed class SlurmExecutorOptions
{
    /// <summary>The job that runs one planned stage (command, resources, log path).</summary>
    public required Func<PlannedStage, SlurmJobSpec> JobFor { get; init; }
    /// <summary>Where submitted jobs are remembered (<see cref="SlurmJobs.PathFor"/>).</summary>
    public required string JobsFile { get; init; }
    public ISlurmCommands Slurm { get; init; } = SlurmCommands.Instance;
    /// <summary>Submit and return without waiting (<c>--detach</c>).</summary>
    public bool Detach { get; init; }
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(5);
    public IStageReporter Reporter { get; init; } = SilentStageReporter.Instance;
    /// <summary>Lines of a failed job's log quoted in the error.</summary>
    public int LogTailLines { get; init; } = 30;
}

/// <summary>
/// Submits each stage the plan is missing as one <c>sbatch</c> job, chained to its upstream jobs with
/// <c>--dependency=afterok</c>, then (unless detached) follows them with <c>squeue</c> until all have finished.
/// Cancellation (Ctrl+C) runs <c>scancel</c> for the jobs still queued or running. A stage whose job from an
/// earlier submission is still queued or running is not submitted again. The cache must be on a filesystem
/// every node sees: jobs publish their outputs into it, and the caller reads them back from it.
/// </summary>
public sealed class SlurmExecutor(SlurmExecutorOptions options) : IPipelineExecutor
{
    private IStageReporter Reporter => options.Reporter;

    public async Task<ExecutionReport> ExecuteAsync(ExecutionPlan plan, CancellationToken cancellationToken)
    {
        var missing = plan.Missing.ToList();
        foreach (var cached in plan.Stages.Where(s => s.Cached is not null)) Reporter.Info($"{cached.DisplayName}: cached ({cached.Identity[..12]})");
        if (missing.Count == 0) return new ExecutionReport(true, new Dictionary<string, StageOutcome>());

        var jobs = SlurmJobs.Read(options.JobsFile);
        var previous = jobs.Latest.ToDictionary(j => j.Identity, StringComparer.Ordinal);
        var previousStates = await SlurmQueue.StatesAsync(options.Slurm, previous.Values.Select(j => j.JobId).ToList(), cancellationToken);
        var submitted = new Dictionary<string, SubmittedJob>(StringComparer.Ordinal);
        try
        {
            foreach (var stage in missing)
            {
                if (previous.TryGetValue(stage.Identity, out var earlier) && previousStates[earlier.JobId].IsActive)
                {
                    Reporter.Info($"{stage.DisplayName}: already submitted as job {earlier.JobId} ({previousStates[earlier.JobId].State})");
                    submitted[stage.Identity] = earlier;
                    continue;
                }
                submitted[stage.Identity] = await SubmitAsync(stage, submitted, jobs, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            await CancelAsync(submitted.Values.Select(j => j.JobId).ToList());
            throw;
        }
        if (options.Detach) return new ExecutionReport(false, new Dictionary<string, StageOutcome>());
        await WaitAsync(submitted.Values.ToList(), cancellationToken);
        return new ExecutionReport(true, new Dictionary<string, StageOutcome>());
    }

    private async Task<SubmittedJob> SubmitAsync(PlannedStage stage, Dictionary<string, SubmittedJob> submitted, SlurmJobs jobs, CancellationToken cancellationToken)
    {
        var spec = options.JobFor(stage);
        var dependencies = stage.Upstream.Values.Where(u => submitted.ContainsKey(u.Identity)).Select(u => submitted[u.Identity].JobId).Distinct().ToList();
        var scripts = Path.Combine(Path.GetDirectoryName(options.JobsFile)!, "scripts");
        Directory.CreateDirectory(scripts);
        Directory.CreateDirectory(Path.GetDirectoryName(spec.LogPath)!);
        var scriptPath = Path.Combine(scripts, $"{stage.Identity[..16]}.sbatch");
        AtomicFile.WriteAllText(scriptPath, spec.Script(dependencies));
        var output = await options.Slurm.RunAsync("sbatch", ["--parsable", scriptPath], CancellationToken.None);
        var jobId = output.Trim().Split(';')[0];
        var job = new SubmittedJob
        {
            JobId = jobId, Identity = stage.Identity, Stage = stage.DisplayName, Kind = stage.Kind,
            LogPath = spec.LogPath.Replace("%j", jobId, StringComparison.Ordinal), SubmittedAt = DateTimeOffset.UtcNow, DependsOn = dependencies,
        };
        jobs.Jobs.Add(job);
        jobs.Save();
        Reporter.Info($"{stage.DisplayName}: submitted job {jobId}" + (dependencies.Count > 0 ? $" (after {string.Join(", ", dependencies)})" : "") + $", log {job.LogPath}");
        cancellationToken.ThrowIfCancellationRequested();
        return job;
    }

    private async Task WaitAsync(List<SubmittedJob> jobs, CancellationToken cancellationToken)
    {
        var ids = jobs.Select(j => j.JobId).Distinct().ToList();
        var reported = new Dictionary<string, string>(StringComparer.Ordinal);
        IReadOnlyDictionary<string, SlurmJobState> states;
        try
        {
            while (true)
            {
                states = await SlurmQueue.StatesAsync(options.Slurm, ids, cancellationToken);
                foreach (var job in jobs)
                    if (reported.GetValueOrDefault(job.JobId) != states[job.JobId].State)
                    {
                        reported[job.JobId] = states[job.JobId].State;
                        Reporter.Info($"{job.Stage}: job {job.JobId} {states[job.JobId].State.ToLowerInvariant()}");
                    }
                if (states.Values.All(s => !s.IsActive)) break;
                await Task.Delay(options.PollInterval, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            await CancelAsync(ids);
            throw;
        }
        var failed = jobs.Where(j => !states[j.JobId].Succeeded).ToList();
        if (failed.Count == 0) return;
        var root = failed.Where(j => states[j.JobId].Reason != "DependencyNeverSatisfied" && !j.DependsOn.Any(d => failed.Any(f => f.JobId == d))).ToList();
        var message = string.Join("\n\n", (root.Count > 0 ? root : failed).Select(j =>
            $"{j.Stage}: Slurm job {j.JobId} ended {states[j.JobId].State}" + (states[j.JobId].Reason is { Length: > 0 } r && r != "None" ? $" ({r})" : "")
            + $"; log {j.LogPath}:\n" + Tail(j.LogPath)));
        var skipped = failed.Except(root).Select(j => j.Stage).ToList();
        if (root.Count > 0 && skipped.Count > 0) message += $"\n\nNot run because of it: {string.Join(", ", skipped)}.";
        throw new SlurmJobFailedException(message + "\nRe-run `medtune run` to resubmit what is missing (a train job resumes from its last checkpoint).");
    }

    /// <summary>Runs scancel for the given jobs (best effort: a job that already ended is not an error).</summary>
    public async Task CancelAsync(IReadOnlyCollection<string> jobIds)
    {
        if (jobIds.Count == 0) return;
        try
        {
            await options.Slurm.RunAsync("scancel", [.. jobIds], CancellationToken.None);
            Reporter.Warning($"cancelled Slurm jobs {string.Join(", ", jobIds)}");
        }
        catch (SlurmException e)
        {
            Reporter.Warning($"scancel failed: {e.Message}");
        }
    }

    private string Tail(string path)
    {
        if (!File.Exists(path)) return "    (no log file: the job never started)";
        var lines = File.ReadAllLines(path);
        return string.Join('\n', lines.Skip(Math.Max(0, lines.Length - options.LogTailLines)).Select(l => "    " + l));
    }
}

/// <summary>One or more Slurm jobs did not complete; the message holds each one's state and log tail.</summary>
public sealed class SlurmJobFailedException(string message) : Exception(message);
