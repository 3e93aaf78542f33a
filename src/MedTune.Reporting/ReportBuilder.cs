using System.Text.Json;
using System.Text.Json.Nodes;
using MedTune.Evaluation;
using MedTune.Manifest;
using MedTune.Pipeline;
using MedTune.Scoring;

namespace MedTune.Reporting;

/// <summary>Assembles <see cref="ReportData"/> from evaluate stage outputs (base, tuned), the train log and upstream records.</summary>
public static class ReportBuilder
{
    /// <summary>Report order of model labels.</summary>
    public static readonly IReadOnlyList<string> ModelOrder = ["base", "tuned"];

    public static ReportData Build(
        ExperimentManifest manifest,
        IReadOnlyList<ModelEvaluation> models,
        TrainingCurve? training,
        Provenance provenance)
    {
        if (models.Count == 0) throw new ArgumentException("The report needs at least one evaluated model (evaluate.models).");
        var ordered = models.OrderBy(m => ModelOrder.ToList().IndexOf(m.Label) is var i && i < 0 ? int.MaxValue : i).ToArray();
        var reference = ordered[0];

        var datasets = reference.Summary.Datasets.Select(d => BuildDataset(d, ordered, manifest)).ToArray();
        var notes = ordered.SelectMany(m => m.Datasets.Values.SelectMany(d => d.Scores.Notes)).Distinct().ToList();
        notes.Add("Paired differences are tuned − base on the same questions: McNemar's exact test (two-sided) for 0/1 metrics; "
                  + $"paired bootstrap ({manifest.Evaluate.BootstrapResamples} resamples, seed {manifest.Seed}) for gestalt scores and exam points.");
        foreach (var other in ordered.Skip(1))
            if (!Describe(other.Summary).SequenceEqual(Describe(reference.Summary)))
                notes.Add($"Warning: {other.Label} was evaluated with different settings than {reference.Label}.");

        return new ReportData
        {
            Title = string.IsNullOrWhiteSpace(manifest.Report.Title) ? manifest.Name : manifest.Report.Title,
            Experiment = manifest.Name,
            Models = ordered.Select(m => m.Label).ToArray(),
            Settings = Describe(reference.Summary),
            Datasets = datasets,
            Training = training,
            Provenance = provenance,
            Notes = notes,
        };
    }

    private static SortedDictionary<string, string> Describe(EvaluationSummary summary) => new(StringComparer.Ordinal)
    {
        ["template"] = summary.Template,
        ["shots"] = summary.Shots.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["fewshot_ids"] = string.Join(",", summary.FewshotIds),
        ["shuffle_options"] = summary.ShuffleOptions ? "yes" : "no",
        ["decoding"] = summary.Decoding,
    };

    private static DatasetReport BuildDataset(EvaluatedDataset dataset, IReadOnlyList<ModelEvaluation> models, ExperimentManifest manifest)
    {
        foreach (var model in models)
            if (!model.Datasets.ContainsKey(dataset.Name))
                throw new InvalidDataException($"Model '{model.Label}' was not evaluated on dataset '{dataset.Name}'; evaluate every model on the same datasets.eval.");
        var perModel = models.ToDictionary(m => m.Label, m => m.Datasets[dataset.Name]);
        var metrics = OrderMetrics(perModel.Values.Select(d => (IEnumerable<string>)d.Scores.Summary.Keys).Aggregate((a, b) => a.Intersect(b).ToArray()));

        var scores = new SortedDictionary<string, MetricTable>(StringComparer.Ordinal);
        foreach (var (label, data) in perModel) scores[label] = data.Scores.Summary;
        var points = perModel.Where(p => p.Value.Scores.ExamPoints is not null)
            .ToDictionary(p => p.Key, p => p.Value.Scores.ExamPoints!);

        IReadOnlyList<PairedComparison> comparisons = [];
        if (perModel.TryGetValue("base", out var baseline) && perModel.TryGetValue("tuned", out var tuned))
            comparisons = PairedComparisons.Compare("base", baseline.Predictions, baseline.Scores, "tuned", tuned.Predictions, tuned.Scores,
                metrics, manifest.Evaluate.BootstrapResamples, manifest.Seed);

        return new DatasetReport
        {
            Name = dataset.Name,
            Filter = dataset.Filter,
            Questions = dataset.Questions,
            Metrics = metrics,
            Scores = scores,
            ExamPoints = points.Count == 0 ? null : new SortedDictionary<string, ExamPointsTotal>(points, StringComparer.Ordinal),
            Comparisons = comparisons,
            Breakdowns = Breakdowns(perModel.ToDictionary(p => p.Key, p => p.Value.Scores), metrics),
        };
    }

    private static IReadOnlyList<string> OrderMetrics(IEnumerable<string> metrics)
    {
        var set = metrics.ToHashSet(StringComparer.Ordinal);
        return MetricNames.ReportOrder.Where(set.Contains).Concat(set.Except(MetricNames.ReportOrder).Order(StringComparer.Ordinal)).ToArray();
    }

    private static SortedDictionary<string, SortedDictionary<string, SortedDictionary<string, MetricTable>>> Breakdowns(
        IReadOnlyDictionary<string, ScoreReport> perModel, IReadOnlyList<string> metrics)
    {
        var result = new SortedDictionary<string, SortedDictionary<string, SortedDictionary<string, MetricTable>>>(StringComparer.Ordinal);
        void Add(string dimension, Func<ScoreBreakdowns, GroupTable> select)
        {
            var groups = new SortedDictionary<string, SortedDictionary<string, MetricTable>>(StringComparer.Ordinal);
            foreach (var (label, report) in perModel)
                foreach (var (group, table) in select(report.Breakdowns))
                {
                    if (!groups.TryGetValue(group, out var byModel)) groups[group] = byModel = new(StringComparer.Ordinal);
                    var kept = new MetricTable();
                    foreach (var metric in metrics) if (table.TryGetValue(metric, out var summary)) kept[metric] = summary;
                    byModel[label] = kept;
                }
            if (groups.Count > 0) result[dimension] = groups;
        }
        Add("year", b => b.Year);
        Add("section", b => b.Section);
        Add("category", b => b.Category);
        return result;
    }

    /// <summary>Provenance from the manifest file and the upstream stages' records (where the pipeline wrote one).</summary>
    public static Provenance ReadProvenance(ExperimentManifest manifest, IReadOnlyDictionary<string, string> upstreamOutputs, JsonNode? environment)
    {
        var stages = new List<StageProvenance>();
        foreach (var (name, directory) in upstreamOutputs.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var recordPath = Path.Combine(directory, StageCache.RecordFileName);
            if (!File.Exists(recordPath)) { stages.Add(new StageProvenance { Stage = name }); continue; }
            var record = StageRecord.Read(recordPath);
            stages.Add(new StageProvenance
            {
                Stage = name,
                Kind = record.Kind,
                Key = record.Key,
                OutputHash = record.OutputHash,
                Upstream = new SortedDictionary<string, string>(record.Upstream.ToDictionary(p => p.Key, p => p.Value.OutputHash), StringComparer.Ordinal),
            });
        }
        return new Provenance
        {
            // The file name only: the directory it sits in is machine-specific, and the report is a hashed output.
            ManifestPath = Path.GetFileName(manifest.ManifestPath),
            ManifestText = File.Exists(manifest.ManifestPath) ? File.ReadAllText(manifest.ManifestPath) : "",
            Stages = stages,
            Environment = environment,
        };
    }

    public static JsonNode CaptureEnvironment(ExperimentManifest manifest) =>
        JsonSerializer.SerializeToNode(RunEnvironment.Capture(GitState.Of(manifest.ManifestDirectory)), new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower })!;
}
