using MedTune.Manifest;
using MedTune.Pipeline;
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

    /// <summary>The one selected experiment, for commands that handle one at a time.</summary>
    public Experiment Single(string command) => Experiments.Count == 1 ? Experiments[0]
        : throw new ArgumentException($"{command}: {Matrix.ManifestPath} has {Experiments.Count} variants; name one with --variant ({string.Join(", ", Experiments.Select(e => e.VariantLabel))}).");

    public Experiment this[string experimentName] => Experiments.First(e => e.Manifest.Name == experimentName);
}
