namespace MedTune.Pipeline;

/// <summary>A job's state as Slurm reports it (PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, ...).</summary>
public sealed record SlurmJobState(string JobId, string State, string Reason)
{
    public static readonly IReadOnlySet<string> Active = new HashSet<string>(StringComparer.Ordinal)
        { "PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESIZING", "SUSPENDED", "STAGE_OUT", "SIGNALING" };

    public bool IsActive => Active.Contains(State);
    public bool Succeeded => State == "COMPLETED";
}

/// <summary>Asks Slurm for job states: <c>squeue</c> (which keeps finished jobs for MinJobAge), then <c>sacct</c> where accounting is on.</summary>
public static class SlurmQueue
{
    public static async Task<IReadOnlyDictionary<string, SlurmJobState>> StatesAsync(ISlurmCommands slurm, IReadOnlyCollection<string> jobIds, CancellationToken cancellationToken)
    {
        var states = new Dictionary<string, SlurmJobState>(StringComparer.Ordinal);
        if (jobIds.Count == 0) return states;
        var output = await slurm.RunAsync("squeue", ["--noheader", "--states=all", "--format=%i|%T|%r"], cancellationToken);
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = line.Split('|');
            if (parts.Length >= 3 && jobIds.Contains(parts[0])) states[parts[0]] = new SlurmJobState(parts[0], parts[1], parts[2]);
        }
        foreach (var id in jobIds.Where(id => !states.ContainsKey(id)))
            states[id] = await FromAccountingAsync(slurm, id, cancellationToken);
        return states;
    }

    private static async Task<SlurmJobState> FromAccountingAsync(ISlurmCommands slurm, string id, CancellationToken cancellationToken)
    {
        try
        {
            var output = await slurm.RunAsync("sacct", ["--noheader", "--allocations", "--parsable2", "--jobs", id, "--format=State,Reason"], cancellationToken);
            var first = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
            if (first is not null)
            {
                var parts = first.Split('|');
                // sacct writes "CANCELLED by 0": the state is the first word.
                return new SlurmJobState(id, parts[0].Split(' ')[0], parts.Length > 1 ? parts[1] : "");
            }
        }
        catch (SlurmException)
        {
            // accounting disabled: the job has left squeue and there is no other record of it
        }
        return new SlurmJobState(id, "UNKNOWN", "no longer in squeue and sacct has no record (accounting disabled?)");
    }
}
