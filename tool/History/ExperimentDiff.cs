using System.Text;
using System.Text.Json.Nodes;
using MedTune.Manifest;
using MedTune.Pipeline;
using MedTune.Reporting;
using MedTune.Tool.Experiments;

namespace MedTune.Tool.History;

/// <summary>One stage of the after side that would run again, and why.</summary>
public sealed record StageRerun(string Stage, IReadOnlyList<string> Reasons);

/// <summary>A metric of one model on one dataset, before and after, with the paired test where both sides have predictions.</summary>
public sealed record MetricChange(string Dataset, string Model, string Metric, double? Before, double? After, string? Test, double? PValue);

/// <summary>What changed for one experiment between two revisions.</summary>
public sealed record ExperimentChange
{
    public required string ManifestPath { get; init; }
    public required string Experiment { get; init; }
    /// <summary><c>changed</c>, <c>added</c> or <c>removed</c>.</summary>
    public required string State { get; init; }
    public IReadOnlyList<string> Settings { get; init; } = [];
    public IReadOnlyList<StageRerun> Reruns { get; init; } = [];
    public IReadOnlyList<MetricChange> Metrics { get; init; } = [];
    /// <summary>Why metrics are missing or partial (not run yet, not in the cache, different question sets).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}

/// <summary>
/// <c>medtune diff</c>'s model: for every experiment manifest in either revision (read from git objects, or the work
/// tree), the settings that changed, the stages the after side would re-run relative to what the before side's lock
/// file recorded (config, input content, implementation version, seed; descendants follow), and the headline metrics
/// before and after from the reports the two lock files name, with the paired test on the per-question predictions
/// when both sides' evaluate outputs are in the cache.
/// </summary>
public static class ExperimentDiff
{
    public static IReadOnlyList<ExperimentChange> Compare(GitRepository git, string? before, string? after, string cacheRoot)
    {
        var changes = new List<ExperimentChange>();
        var a = Manifests(git, before);
        var b = Manifests(git, after);
        foreach (var path in a.Keys.Union(b.Keys).Order(StringComparer.Ordinal))
        {
            a.TryGetValue(path, out var old);
            b.TryGetValue(path, out var now);
            if (old is null) changes.Add(new ExperimentChange { ManifestPath = path, Experiment = now!.Name, State = "added" });
            else if (now is null) changes.Add(new ExperimentChange { ManifestPath = path, Experiment = old.Name, State = "removed" });
            else if (CompareOne(git, before, after, path, old, now, cacheRoot) is { } change) changes.Add(change);
        }
        return changes;
    }

    /// <summary>Null when nothing about the experiment changed.</summary>
    private static ExperimentChange? CompareOne(GitRepository git, string? before, string? after, string path,
        ExperimentManifest old, ExperimentManifest now, string cacheRoot)
    {
        var settings = new List<string>();
        JsonDiff.Describe("", ManifestJson.Section(old), ManifestJson.Section(now), settings);
        settings = settings.Select(s => s.TrimStart('.')).ToList();
        var oldLock = ReadLock(git, before, path, old.Name);
        var newLock = ReadLock(git, after, path, now.Name);

        // Input content: inside the repository from the revision's objects; outside it (${VAR} data) from disk.
        var oldStages = ExperimentPlan.Build(old);
        var newStages = ExperimentPlan.Build(now);
        var reruns = new List<StageRerun>();
        var rerunNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var stage in newStages)
        {
            var current = KeyInputs(git, after, stage, now.Seed);
            StageKeyInputs? previous = oldLock?.Stages.GetValueOrDefault(stage.Name) is { } locked
                ? locked.ToKeyInputs() with { Upstream = new Dictionary<string, string>() }
                : oldStages.FirstOrDefault(s => s.Name == stage.Name) is { } oldStage ? KeyInputs(git, before, oldStage, old.Seed) : null;
            var reasons = previous is null ? ["new stage"]
                : oldLock is not null && !oldLock.Stages.ContainsKey(stage.Name) ? ["not in the before lock file"]
                : current.DescribeChangesSince(previous).ToList();
            foreach (var upstream in stage.DependsOn.Where(rerunNames.Contains)) reasons.Add($"upstream {upstream} re-runs");
            foreach (var input in reasons.Where(r => r.StartsWith("input ", StringComparison.Ordinal)).ToList())
                settings.Add(input.Replace("input ", "content of ", StringComparison.Ordinal));
            if (reasons.Count == 0) continue;
            reruns.Add(new StageRerun(stage.Name, reasons));
            rerunNames.Add(stage.Name);
        }
        settings = settings.Distinct(StringComparer.Ordinal).ToList();

        var notes = new List<string>();
        var metrics = Metrics(oldLock, newLock, reruns.Count > 0, cacheRoot, now, notes);
        if (settings.Count == 0 && reruns.Count == 0 && metrics.All(m => m.Before == m.After)) return null;
        return new ExperimentChange
        {
            ManifestPath = path, Experiment = now.Name, State = "changed", Settings = settings, Reruns = reruns, Metrics = metrics, Notes = notes,
        };
    }

    private static StageKeyInputs KeyInputs(GitRepository git, string? commit, StageDefinition stage, int seed)
    {
        var inputs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var input in stage.Inputs)
        {
            var relative = Path.GetRelativePath(git.Root, input.Path).Replace('\\', '/');
            var hash = relative.StartsWith("../", StringComparison.Ordinal) || Path.IsPathRooted(relative)
                ? (File.Exists(input.Path) || Directory.Exists(input.Path) ? ContentHasher.Uncached.HashPath(input.Path) : null)
                : git.HashPath(commit, relative);
            inputs[input.Name] = hash ?? "(missing)";
        }
        return new StageKeyInputs(stage.Stage.Kind, stage.Stage.ImplementationVersion, CanonicalJson.Normalize(stage.Config)!, seed,
            inputs, new Dictionary<string, string>());
    }

    private static IReadOnlyList<MetricChange> Metrics(LockFile? oldLock, LockFile? newLock, bool reruns, string cacheRoot, ExperimentManifest now, List<string> notes)
    {
        var oldReport = ReportOf(oldLock, cacheRoot, "before", notes);
        if (newLock?.Stages.GetValueOrDefault(ExperimentPlan.Report)?.Key is { } newKey && reruns
            && oldLock?.Stages.GetValueOrDefault(ExperimentPlan.Report)?.Key == newKey)
        {
            notes.Add("after: not run since the change (its lock file still names the before report); `medtune run` it to see the metrics after.");
            newLock = null;
        }
        var newReport = newLock is null ? null : ReportOf(newLock, cacheRoot, "after", notes);
        if (oldReport is null && newReport is null) return [];

        var result = new List<MetricChange>();
        var datasets = (oldReport?.Datasets ?? []).Select(d => d.Name).Union((newReport?.Datasets ?? []).Select(d => d.Name));
        foreach (var dataset in datasets)
        {
            var oldData = oldReport?.Datasets.FirstOrDefault(d => d.Name == dataset);
            var newData = newReport?.Datasets.FirstOrDefault(d => d.Name == dataset);
            foreach (var model in ReportBuilder.ModelOrder)
            {
                var paired = Paired(oldLock, newLock, cacheRoot, model, dataset, now, notes);
                foreach (var metric in ReportFormat.HeadlineMetrics)
                {
                    double? before = oldData?.Scores.GetValueOrDefault(model)?.GetValueOrDefault(metric)?.Mean;
                    double? after = newData?.Scores.GetValueOrDefault(model)?.GetValueOrDefault(metric)?.Mean;
                    var test = paired?.FirstOrDefault(c => c.Metric == metric);
                    before ??= test?.FirstMean; // a report not in the cache, but its predictions are
                    after ??= test?.SecondMean;
                    if (before is null && after is null) continue;
                    result.Add(new MetricChange(dataset, model, metric, before, after, test?.Test, test?.PValue));
                }
            }
        }
        return result;
    }

    private static IReadOnlyList<PairedComparison>? Paired(LockFile? oldLock, LockFile? newLock, string cacheRoot, string model, string dataset,
        ExperimentManifest now, List<string> notes)
    {
        var stage = ExperimentPlan.EvaluateOf(model);
        if (oldLock?.Stages.GetValueOrDefault(stage) is not { } a || newLock?.Stages.GetValueOrDefault(stage) is not { } b) return null;
        if (a.OutputHash == b.OutputHash) return null; // identical predictions: nothing to test
        var (dirA, dirB) = (Path.Combine(cacheRoot, a.Kind, a.Key), Path.Combine(cacheRoot, b.Kind, b.Key));
        if (!Directory.Exists(dirA) || !Directory.Exists(dirB))
        {
            notes.Add($"{model}: no paired test, the predictions of {(Directory.Exists(dirA) ? "after" : "before")} are not in the cache ({(Directory.Exists(dirA) ? dirB : dirA)}).");
            return null;
        }
        var before = ModelEvaluation.Read("before", dirA);
        var after = ModelEvaluation.Read("after", dirB);
        if (!before.Datasets.TryGetValue(dataset, out var x) || !after.Datasets.TryGetValue(dataset, out var y)) return null;
        try
        {
            return PairedComparisons.Compare("before", x.Predictions, x.Scores.Summary, "after", y.Predictions, y.Scores.Summary,
                ReportFormat.HeadlineMetrics, now.Evaluate.BootstrapResamples, now.Seed);
        }
        catch (InvalidDataException e)
        {
            notes.Add($"{model} on {dataset}: no paired test: {e.Message}");
            return null;
        }
    }

    private static ReportData? ReportOf(LockFile? lockFile, string cacheRoot, string side, List<string> notes)
    {
        if (lockFile?.Stages.GetValueOrDefault(ExperimentPlan.Report) is not { } report)
        {
            notes.Add($"{side}: no lock file with a report stage (never run at that revision).");
            return null;
        }
        var path = Path.Combine(cacheRoot, report.Kind, report.Key, ReportJson.FileName);
        if (File.Exists(path)) return ReportJson.Read(path);
        notes.Add($"{side}: the report its lock file names is not in the cache ({path}); run the experiment at that revision, or pass --cache.");
        return null;
    }

    private static LockFile? ReadLock(GitRepository git, string? commit, string manifestPath, string name)
    {
        var directory = Path.GetDirectoryName(manifestPath)?.Replace('\\', '/');
        var lockPath = string.IsNullOrEmpty(directory) ? $"{name}.lock.json" : $"{directory}/{name}.lock.json";
        if (git.ReadFile(commit, lockPath) is not { } bytes) return null;
        var temp = Path.Combine(Path.GetTempPath(), "medtune-diff-" + Guid.NewGuid().ToString("N")[..12] + ".lock.json");
        try
        {
            File.WriteAllBytes(temp, bytes);
            return LockFile.Read(temp);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{lockPath} at {commit ?? "the work tree"}: {e.Message.Replace(temp, lockPath, StringComparison.Ordinal)}", e);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>Every experiment manifest of a revision: YAML files that load as a manifest (paths anchored in the work tree).</summary>
    private static Dictionary<string, ExperimentManifest> Manifests(GitRepository git, string? commit)
    {
        var result = new Dictionary<string, ExperimentManifest>(StringComparer.Ordinal);
        foreach (var path in git.ListFiles(commit).Where(p => p.EndsWith(".yaml", StringComparison.Ordinal) || p.EndsWith(".yml", StringComparison.Ordinal)))
        {
            if (git.ReadFile(commit, path) is not { } bytes) continue;
            var text = Encoding.UTF8.GetString(bytes);
            if (!text.StartsWith("name:", StringComparison.Ordinal) && !text.Contains("\nname:", StringComparison.Ordinal)) continue;
            try
            {
                result[path] = ManifestLoader.Parse(text, Path.Combine(git.Root, path), ManifestLoadOptions.Default with { CheckFiles = false });
            }
            catch (ManifestException)
            {
                // Not an experiment manifest (another tool's YAML), or one this revision cannot load: not compared.
            }
        }
        return result;
    }
}
