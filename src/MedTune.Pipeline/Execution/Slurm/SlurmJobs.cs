using System.Text.Json.Serialization;

namespace MedTune.Pipeline;

/// <summary>A submitted job as medtune remembers it (for <c>medtune status</c>, <c>medtune cancel</c> and re-runs).</summary>
public sealed class SubmittedJob
{
    public required string JobId { get; init; }
    /// <summary>The planned stage's identity: a re-run whose plan has the same stage reuses a job still queued or running.</summary>
    public required string Identity { get; init; }
    public required string Stage { get; init; }
    public required string Kind { get; init; }
    public required string LogPath { get; init; }
    public required DateTimeOffset SubmittedAt { get; init; }
    public List<string> DependsOn { get; init; } = [];
}

/// <summary>
/// The jobs submitted for one manifest, in <c>&lt;cache&gt;/.slurm/&lt;manifest name&gt;.medtune-jobs.json</c>: machine facts
/// (job ids, log paths, times), kept out of everything hashed. Each submission appends; nothing is removed.
/// </summary>
public sealed class SlurmJobs
{
    public List<SubmittedJob> Jobs { get; init; } = [];

    [JsonIgnore] public string Path { get; private set; } = "";

    public static string PathFor(string cacheRoot, string manifestName) =>
        System.IO.Path.Combine(cacheRoot, ".slurm", manifestName + ".medtune-jobs.json");

    public static SlurmJobs Read(string path)
    {
        var jobs = File.Exists(path) ? PipelineJson.ReadFile<SlurmJobs>(path, "Slurm job list", "Delete it; it only lists submitted jobs.") : new SlurmJobs();
        jobs.Path = path;
        return jobs;
    }

    public void Save()
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        AtomicFile.WriteAllText(Path, PipelineJson.ToFileText(this));
    }

    /// <summary>The latest job submitted for each stage identity.</summary>
    public IEnumerable<SubmittedJob> Latest => Jobs.GroupBy(j => j.Identity).Select(g => g.Last());
}
