using MedTune.Manifest;
using MedTune.Pipeline;
using MedTune.Pipeline.Planning;
using MedTune.Tool.Infrastructure;

namespace MedTune.Tool.Experiments;

/// <summary>
/// A manifest's experiments on one cache: its matrix variants (or just itself), each an <see cref="Experiment"/>
/// with its own stage graph and lock file (<c>NAME@LABEL.lock.json</c> beside the manifest).
/// </summary>
public sealed class ExperimentSet
{
    private ExperimentSet(ExperimentMatrix matrix, IReadOnlyList<Experiment> experiments, string cacheRoot) =>
        (Matrix, Experiments, CacheRoot) = (matrix, experiments, cacheRoot);

    public ExperimentMatrix Matrix { get; }
    /// <summary>The selected variants (all, or the one --variant names).</summary>
    public IReadOnlyList<Experiment> Experiments { get; }
    public string CacheRoot { get; }
    public string JobsFile => SlurmJobs.PathFor(CacheRoot, Matrix.Name);

    public static ExperimentSet Load(string manifestPath, string? cacheOption, string? variant = null)
    {
        var matrix = ManifestLoader.LoadMatrix(manifestPath);
        var cacheRoot = CacheLocation.Resolve(cacheOption, matrix.ManifestPath);
        var variants = variant is null ? matrix.Variants : [matrix.Find(variant)];
        return new ExperimentSet(matrix, variants.Select(v => Experiment.From(v.Manifest, cacheRoot, v.Label)).ToList(), cacheRoot);
    }

    public IReadOnlyList<ExperimentRun> Runs => Experiments.Select(e => new ExperimentRun(e.Manifest.Name, e.Stages, e.Manifest.Seed)).ToList();

    /// <summary><c>medtune plan</c>'s estimate of each selected experiment's stages (memory on their device, disk).</summary>
    public IReadOnlyDictionary<string, ResourcePlan> Estimates => estimates ??=
        Experiments.ToDictionary(e => e.Manifest.Name, e => ExperimentResources.Estimate(e.Manifest), StringComparer.Ordinal);
    private Dictionary<string, ResourcePlan>? estimates;

    /// <summary>
    /// What a planned stage asks for: what <c>execution.resources</c> states for its kind, and where it states no memory,
    /// <c>medtune plan</c>'s estimate of its peak (+25%, whole GiB) when it runs on the CPU; a stage that runs on CUDA
    /// asks for one GPU unless the manifest says otherwise. Bounds local <c>--jobs</c> and sets Slurm's --mem/--gpus.
    /// </summary>
    public StageResources ResourcesFor(PlannedStage stage)
    {
        var (experimentName, stageName) = stage.Uses[0];
        var stated = this[experimentName].Manifest.Execution.Resources.For(stage.Kind);
        StageEstimate? estimate;
        try
        {
            estimate = Estimates[experimentName].Find(stageName);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or MedTune.Checkpoints.CheckpointException)
        {
            estimate = null; // no config.json to estimate from: only what the manifest states
        }
        if (estimate is null) return stated;
        var onGpu = estimate.Device.Device == "cuda";
        return new StageResources
        {
            Partition = stated.Partition, Account = stated.Account, Cpus = stated.Cpus, Time = stated.Time, Sbatch = stated.Sbatch,
            Gpus = stated.Gpus ?? (onGpu ? 1 : null),
            Mem = stated.Mem ?? (onGpu ? null : $"{Math.Max(2, (long)Math.Ceiling(estimate.PeakBytes * 1.25 / (1L << 30)))}G"),
        };
    }

    /// <summary>The one selected experiment, for commands that handle one at a time.</summary>
    public Experiment Single(string command) => Experiments.Count == 1 ? Experiments[0]
        : throw new ArgumentException($"{command}: {Matrix.ManifestPath} has {Experiments.Count} variants; name one with --variant ({string.Join(", ", Experiments.Select(e => e.VariantLabel))}).");

    public Experiment this[string experimentName] => Experiments.First(e => e.Manifest.Name == experimentName);
}
