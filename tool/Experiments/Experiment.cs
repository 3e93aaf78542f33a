using MedTune.Manifest;
using MedTune.Pipeline;
using MedTune.Tool.Infrastructure;

namespace MedTune.Tool.Experiments;

/// <summary>A loaded manifest with everything the commands derive from it: its stage graph, cache and lock file.</summary>
public sealed class Experiment
{
    private Experiment(ExperimentManifest manifest, IReadOnlyList<StageDefinition> stages, string cacheRoot, string variantLabel)
    {
        Manifest = manifest;
        Stages = stages;
        CacheRoot = cacheRoot;
        VariantLabel = variantLabel;
    }

    /// <summary>The matrix variant's label (<c>r=8,shots=1</c>); empty for a manifest without a matrix.</summary>
    public string VariantLabel { get; }

    public ExperimentManifest Manifest { get; }
    public IReadOnlyList<StageDefinition> Stages { get; }
    public string CacheRoot { get; }
    public StageCache Cache => new(CacheRoot);
    public string LockPath => LockFile.PathFor(Manifest.ManifestDirectory, Manifest.Name);

    public static Experiment Load(string manifestPath, string? cacheOption)
    {
        var manifest = ManifestLoader.Load(manifestPath);
        return From(manifest, CacheLocation.Resolve(cacheOption, manifest.ManifestPath), "");
    }

    public static Experiment From(ExperimentManifest manifest, string cacheRoot, string variantLabel) =>
        new(manifest, ExperimentPlan.Build(manifest), cacheRoot, variantLabel);

    public PipelineRunner Runner(IStageReporter reporter, string? until = null, IReadOnlyCollection<string>? force = null, string? cacheRoot = null) =>
        new(new PipelineRunnerOptions
        {
            CacheRoot = cacheRoot ?? CacheRoot,
            Seed = Manifest.Seed,
            Until = until,
            Force = force ?? [],
            ExperimentDirectory = Manifest.ManifestDirectory,
            Reporter = reporter,
        });
}
