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
        Provenance provenance,
        TrainingData? trainingData = null)
    {
        if (models.Count == 0) throw new ArgumentException("The report needs at least one evaluated model (evaluate.models).");
        var ordered = models.OrderBy(m => ModelOrder.ToList().IndexOf(m.Label) is var i && i < 0 ? int.MaxValue : i).ToArray();
        var reference = ordered[0];

        var datasets = reference.Summary.Datasets.Select(d => BuildDataset(d, ordered, manifest)).ToArray();
        var notes = ordered.SelectMany(m => m.Datasets.Values.SelectMany(d => d.Scores.Notes)).Distinct().ToList();
        if (datasets.Any(d => d.Comparisons.Count > 0))
            notes.Add("Paired differences are tuned − base on the same questions: McNemar's exact test (two-sided) for 0/1 metrics; "
                      + $"paired bootstrap ({manifest.Evaluate.BootstrapResamples} resamples, seed {manifest.Seed}, one set of resamples for all metrics) for gestalt scores and exam points.");
        else
            notes.Add($"Only {string.Join(" and ", ordered.Select(m => m.Label))} evaluated (evaluate.models): no paired comparison.");
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
            TrainingData = trainingData,
            PromptTemplate = EvaluationPromptBuilder.Skeleton(reference.Summary.Template, reference.Summary.Shots),
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
            comparisons = PairedComparisons.Compare("base", baseline.Predictions, baseline.Scores.Summary, "tuned", tuned.Predictions, tuned.Scores.Summary,
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
            Examples = PromptExamples.Select(perModel.ToDictionary(p => p.Key, p => p.Value.Predictions)),
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
    /// <remarks>
    /// Only content-derived facts: the manifest by file name (relative to itself; never this machine's absolute path)
    /// and text, and the upstream keys and hashes. The machine, tool commit and package versions are in the report
    /// stage's unhashed <c>.medtune-record.json</c>, so the report reproduces byte for byte on any machine and the
    /// commit that contains a lock file can reproduce it.
    /// </remarks>
    public static Provenance ReadProvenance(ExperimentManifest manifest, IReadOnlyDictionary<string, string> upstreamOutputs)
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
                RuntimeFiles = RuntimeFiles(directory),
            });
        }
        return new Provenance
        {
            ManifestPath = Path.GetFileName(manifest.ManifestPath),
            ManifestText = File.Exists(manifest.ManifestPath) ? File.ReadAllText(manifest.ManifestPath) : "",
            Stages = stages,
        };
    }

    /// <summary>GGUF files and the Ollama Modelfile an export stage wrote (export.formats: [onnx, gguf]), by name; null when none.</summary>
    private static IReadOnlyList<string>? RuntimeFiles(string directory)
    {
        var files = Directory.EnumerateFiles(directory, "*.gguf").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0) return null;
        if (File.Exists(Path.Combine(directory, "Modelfile"))) files.Add("Modelfile");
        return files;
    }
}
