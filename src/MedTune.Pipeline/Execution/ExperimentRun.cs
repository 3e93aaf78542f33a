namespace MedTune.Pipeline;

/// <summary>One experiment (a manifest, or one variant of a matrix manifest) as the pipeline sees it: its stages and seed.</summary>
/// <param name="Name">The experiment or variant name (e.g. <c>quickstart@r=8</c>).</param>
public sealed record ExperimentRun(string Name, IReadOnlyList<StageDefinition> Stages, int Seed);
