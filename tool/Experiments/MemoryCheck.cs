using MedTune.Pipeline;
using MedTune.Pipeline.Planning;

namespace MedTune.Tool.Experiments;

/// <summary>A stage that cannot fit its device: <c>medtune run</c> stops before loading anything (exit 2).</summary>
public sealed class MemoryCheckException(string message) : Exception(message);

/// <summary><c>medtune run</c>'s check, before any stage loads a model: every stage that will run must fit its device's budget.</summary>
public static class MemoryCheck
{
    /// <summary>Throws <see cref="MemoryCheckException"/> naming the settings to change when a stage that will run cannot fit.</summary>
    public static void Verify(Experiment experiment, ResourcePlan plan, string? until, IReadOnlyCollection<string> force, CancellationToken cancellationToken)
    {
        var graph = StageGraph.Build(experiment.Stages);
        var scope = until is null ? graph.Ordered.Select(d => d.Name).ToHashSet(StringComparer.Ordinal) : graph.WithAncestors(graph.Select(until, "--until"));
        var misfits = plan.Misfits.Where(s => scope.Contains(s.Stage)).ToList();
        if (misfits.Count == 0) return;

        // A stage already in the cache will not run; only look up the cache when something does not fit.
        var forced = force.SelectMany(f => graph.Select(f, "--force")).ToHashSet(StringComparer.Ordinal);
        var statuses = PipelineStatus.Compute(experiment.Stages, LockFile.TryRead(experiment.LockPath), experiment.Cache, experiment.Manifest.Seed, cancellationToken)
            .ToDictionary(s => s.Name, StringComparer.Ordinal);
        misfits = misfits.Where(s => forced.Contains(s.Stage) || !statuses.TryGetValue(s.Stage, out var status) || status.State != StageState.UpToDate).ToList();
        if (misfits.Count == 0) return;

        throw new MemoryCheckException(string.Join("\n", misfits.Select(Describe)) +
            $"\nSee `medtune plan {Path.GetFileName(experiment.Manifest.ManifestPath)}` for the breakdown, or pass --no-memory-check to run anyway.");
    }

    public static string Describe(StageEstimate s)
    {
        var text = $"stage {s.Stage} needs an estimated {ResourceEstimator.Gb(s.PeakBytes)} on {s.Device.Device}, " +
                   $"more than the {ResourceEstimator.Gb(s.Device.Bytes ?? 0)} available ({s.Device.Source}).";
        if (s.Remedies.Count == 0) return text + " No setting brings it under; use a device with more memory.";
        var fits = s.Remedies[^1].PeakBytesAfter <= s.Device.Bytes;
        var steps = string.Join(", then ", s.Remedies.Select(r => $"{r.Setting} (→ {ResourceEstimator.Gb(r.PeakBytesAfter)})"));
        return text + (fits ? $" Set {steps}." : $" Even with {steps} it does not fit; use a device with more memory.");
    }
}
