using System.Globalization;
using MedTune.Scoring.Predictions;
using MedTune.Scoring.Statistics;

namespace MedTune.Scoring;

/// <summary>Everything scoring one prediction set produces: the report, one row per question, and the id mismatch.</summary>
public sealed record ScoreResult(ScoreReport Report, IReadOnlyList<ItemScore> Items, PredictionMismatch Mismatch, PredictionKind Kind);

/// <summary>The single entry for scoring predictions against exam questions (<c>medtune score</c>).</summary>
public static class ExamScorer
{
    public static ScoreResult Score(IReadOnlyList<ExamQuestion> questions, PredictionSet predictions, ScoreOptions? options = null)
    {
        options ??= new ScoreOptions();
        if (questions.Count == 0) throw new ArgumentException("no questions to score (check the question path and filters)", nameof(questions));

        var mismatch = PredictionMismatch.Between(questions, predictions);
        var firstPrediction = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in predictions.Records) firstPrediction.TryAdd(p.ProblemId, p.Text);

        var items = questions.Select(q => ScoreItem(q, firstPrediction.GetValueOrDefault(q.ProblemId), predictions.Kind, options)).ToList();
        var report = BuildReport(questions, predictions, items, mismatch, options);
        return new ScoreResult(report, items, mismatch, predictions.Kind);
    }

    private static ItemScore ScoreItem(ExamQuestion question, string? prediction, PredictionKind kind, ScoreOptions options)
    {
        string text = prediction ?? "";
        if (kind == PredictionKind.Response)
        {
            string response = ResponseExtractor.Extract(text, options.ResponseMarkers);
            return new ItemScore(question, prediction, ResponseScorer.Score(question, response), null);
        }
        bool exceptions = options.OfficialExceptions switch
        {
            OfficialExceptions.Apply => true,
            OfficialExceptions.Ignore => false,
            _ => LetterScorer.IsFromIgakuQaSectionFile(question),
        };
        return new ItemScore(question, prediction, null, LetterScorer.Score(question, text, exceptions));
    }

    private static ScoreReport BuildReport(IReadOnlyList<ExamQuestion> questions, PredictionSet predictions,
        IReadOnlyList<ItemScore> items, PredictionMismatch mismatch, ScoreOptions options)
    {
        double pointsPossible = predictions.Kind == PredictionKind.Letter ? items.Sum(i => i.Letter!.PointsPossible) : 0;
        // Without points in the question file (e.g. few-shot exemplars) exam points mean nothing: leave them out.
        var metrics = ScoreMetrics.For(predictions.Kind)
            .Where(m => m.Kind != MetricKind.RatioOfSums || pointsPossible > 0)
            .ToList();
        var settings = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in options.Settings) settings[key] = value;
        return new ScoreReport
        {
            Mode = predictions.Kind == PredictionKind.Response ? "response" : "letter",
            Questions = questions is ExamQuestionSet set ? set.SourcePath : "(in memory)",
            Predictions = predictions.Source,
            Filter = questions is ExamQuestionSet filtered ? filtered.FilterDescription : $"{questions.Count} questions as given",
            N = items.Count,
            Settings = settings,
            Bootstrap = new BootstrapSettings(options.BootstrapResamples, options.Seed, options.ConfidenceLevel),
            Summary = Summarize(items, metrics, "all", options),
            ExamPoints = pointsPossible > 0 ? new ExamPointsTotal(items.Sum(i => i.Letter!.PointsEarned), pointsPossible) : null,
            Breakdowns = new ScoreBreakdowns
            {
                Year = Breakdown(items, metrics, "year", q => q.Year?.ToString(CultureInfo.InvariantCulture), options),
                Section = Breakdown(items, metrics, "section", q => q.Section, options),
                Category = Breakdown(items, metrics, "category", q => q.Category, options),
            },
            PredictionIssues = new PredictionIssues(mismatch.UnknownIds, mismatch.MissingIds, mismatch.DuplicateIds),
            DataWarnings = questions is ExamQuestionSet read ? read.Warnings : Array.Empty<string>(),
            Notes = Notes(predictions.Kind, options),
        };
    }

    private static GroupTable Breakdown(IReadOnlyList<ItemScore> items, IReadOnlyList<MetricDefinition> metrics,
        string dimension, Func<ExamQuestion, string?> groupOf, ScoreOptions options)
    {
        var table = new GroupTable();
        foreach (var group in items.Where(i => groupOf(i.Question) is not null).GroupBy(i => groupOf(i.Question)!, StringComparer.Ordinal))
            table[group.Key] = Summarize(group.ToList(), metrics, $"{dimension}={group.Key}", options);
        return table;
    }

    /// <summary>
    /// Mean and bootstrap CI of each metric over <paramref name="items"/>. One set of resamples per group: the seed is
    /// derived from the group alone, so every metric sees the same resampled questions and identical per-question
    /// values get identical intervals (e.g. letter_accuracy and letter_accuracy_normalized on clean answers).
    /// </summary>
    public static MetricTable Summarize(IReadOnlyList<ItemScore> items, IReadOnlyList<MetricDefinition> metrics, string groupLabel, ScoreOptions options)
    {
        var table = new MetricTable();
        ulong seed = ResampleSeed(options, groupLabel);
        foreach (var metric in metrics)
        {
            var values = items.Select(metric.Value).ToArray();
            if (options.BootstrapResamples == 0)
            {
                // No resamples: the point estimate alone (the same ratio of sums Bootstrap computes), no interval.
                var denominators = metric.Denominator is null ? null : items.Select(metric.Denominator).ToArray();
                table[metric.Name] = new MetricSummary(Bootstrap.PointEstimate(values, denominators), null, null, values.Length);
                continue;
            }
            var estimate = metric.Denominator is null
                ? Bootstrap.Mean(values, options.BootstrapResamples, seed, options.ConfidenceLevel)
                : Bootstrap.RatioOfSums(values, items.Select(metric.Denominator).ToArray(), options.BootstrapResamples, seed, options.ConfidenceLevel);
            table[metric.Name] = new MetricSummary(estimate.Value, estimate.Low, estimate.High, estimate.N);
        }
        return table;
    }

    /// <summary>The seed of a group's bootstrap resamples (<c>all</c>, <c>year=2018</c>, …), shared by all its metrics.</summary>
    public static ulong ResampleSeed(ScoreOptions options, string groupLabel) => SplitMix64.DeriveSeed(options.BootstrapSeed, groupLabel);

    private static IReadOnlyList<string> Notes(PredictionKind kind, ScoreOptions options)
    {
        var notes = new List<string>
        {
            options.BootstrapResamples == 0
                ? "No confidence intervals: bootstrap_resamples is 0."
                : $"{options.ConfidenceLevel:P0} CI: percentile bootstrap over questions, {options.BootstrapResamples} resamples, seed {options.Seed}; one set of resamples per dataset (and per breakdown group), shared by every metric.",
            "Questions without a prediction are scored as wrong (empty answer); unknown ids are ignored; of duplicate ids the first is used.",
        };
        if (kind == PredictionKind.Response)
        {
            notes.Add("R = first non-empty line of the response (after the first response marker when given); clean() removes ASCII '.' and strips.");
            notes.Add("accuracy picks k options with the highest symmetric gestalt similarity to clean(R), k = number of gold letters (from the gold answer, as in the reference harness); ties go to the earlier option.");
            notes.Add("gestalt_score = (ratio(R',g') + ratio(g',R'))/2, difflib SequenceMatcher ratio over code points.");
            notes.Add("*_normalized columns fold full/half width (the width part of NFKC, not full NFKC) and map 、，to ',' before the same metrics.");
        }
        else
        {
            notes.Add("letter_accuracy: prediction split on ',' as is, sorted, compared with the sorted gold (IgakuQA release rule); exam_points = points of correct questions / total points.");
            notes.Add(options.OfficialExceptions switch
            {
                OfficialExceptions.Apply => "Official exceptions applied: 116A71 always correct, 112B30 accepts a or d.",
                OfficialExceptions.Ignore => "Official IgakuQA exceptions not applied.",
                _ => "Official exceptions (116A71 always correct, 112B30 accepts a or d) applied to questions from IgakuQA section files.",
            });
            notes.Add("letter_accuracy_normalized trims, lower-cases and width-folds each part and maps 、，to ','.");
        }
        return notes;
    }
}
