using MedTune.Manifest;
using MedTune.Scoring;

namespace MedTune.Reporting;

/// <summary>
/// One experiment in <c>medtune show</c>: where its manifest is, whether its lock file is current, its key settings and
/// the metrics of its locked report (with CIs), per model and dataset.
/// </summary>
public sealed record ExperimentOverview
{
    public required string Name { get; init; }
    /// <summary>The manifest path as shown (relative to the working directory when below it).</summary>
    public required string Manifest { get; init; }
    /// <summary><c>up to date</c>, <c>stale</c>, <c>not run</c>, <c>not in cache</c>, <c>inputs missing</c> or <c>invalid</c>.</summary>
    public required string State { get; init; }
    /// <summary>Why it is not up to date: stages and reasons, or the manifest error.</summary>
    public IReadOnlyList<string> Details { get; init; } = [];
    public IReadOnlyList<ReportSetting> Settings { get; init; } = [];
    /// <summary>Model label → dataset → metric → mean and CI, from the locked report; empty when there is none in the cache.</summary>
    public SortedDictionary<string, SortedDictionary<string, MetricTable>> Metrics { get; init; } = new(StringComparer.Ordinal);

    public static class States
    {
        public const string UpToDate = "up to date";
        public const string Stale = "stale";
        public const string NotRun = "not run";
        public const string NotInCache = "not in cache";
        public const string InputsMissing = "inputs missing";
        public const string Invalid = "invalid";
    }

    /// <summary>Settings and metrics of an experiment; the caller sets <see cref="State"/> from the pipeline's status.</summary>
    public static ExperimentOverview From(ExperimentManifest manifest, string shownPath, string state, IReadOnlyList<string> details, ReportData? report) => new()
    {
        Name = manifest.Name,
        Manifest = shownPath,
        State = state,
        Details = details,
        Settings = KeySettings.Summary(manifest),
        Metrics = report is null ? new(StringComparer.Ordinal) : MetricsOf(report),
    };

    private static SortedDictionary<string, SortedDictionary<string, MetricTable>> MetricsOf(ReportData report)
    {
        var result = new SortedDictionary<string, SortedDictionary<string, MetricTable>>(StringComparer.Ordinal);
        foreach (var model in report.Models)
        {
            var byDataset = result[model] = new SortedDictionary<string, MetricTable>(StringComparer.Ordinal);
            foreach (var dataset in report.Datasets)
                if (dataset.Scores.TryGetValue(model, out var table)) byDataset[dataset.Name] = table;
        }
        return result;
    }
}
