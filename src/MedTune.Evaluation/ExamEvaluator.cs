using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MedTune.Inference;
using MedTune.Pipeline;
using MedTune.Scoring;
using MedTune.Scoring.Predictions;

namespace MedTune.Evaluation;

/// <summary>Per-question predictions of one model on one question set, and their score report.</summary>
public sealed record DatasetEvaluation(IReadOnlyList<QuestionPrediction> Predictions, ScoreReport Scores);

/// <summary>
/// Evaluates one model on one question set: renders prompts, generates continuations in batches,
/// extracts each answer R from its continuation only, and scores R with the scoring library
/// (free-text metrics and/or IgakuQA letters) plus the log-likelihood option scorer.
/// </summary>
public sealed class ExamEvaluator(ITextGenerator generator, EvaluationSettings settings)
{
    private readonly EvaluationPromptBuilder _prompts = new(settings.Template, settings.Exemplars);

    private bool WantsResponseMetrics => settings.Metrics.Any(m => m is "accuracy" or "exact_match" or "gestalt");
    private bool WantsLetterMetrics => settings.Metrics.Contains("letter");
    private bool WantsLoglik => settings.Metrics.Contains("loglik");

    public DatasetEvaluation Evaluate(IReadOnlyList<ExamQuestion> source, IStageProgress? progress = null, CancellationToken cancellationToken = default)
    {
        var questions = settings.ShuffleOptions ? Shuffled(source) : source;
        var prompts = questions.Select(q => _prompts.Build(q).Text).ToArray();
        var outputs = Generate(prompts, progress, cancellationToken);
        var responses = outputs.Select(o => ResponseParser.Extract(settings.Template, o.Text)).ToArray();
        var loglik = WantsLoglik ? LoglikOptionScorer.Choose(generator, questions, prompts, cancellationToken) : null;

        var options = new ScoreOptions
        {
            BootstrapResamples = settings.BootstrapResamples,
            Seed = settings.Seed,
            Settings = settings.Describe(),
        };
        var results = new List<ScoreResult>();
        if (WantsResponseMetrics) results.Add(ScoreAs(PredictionKind.Response, questions, responses, options));
        if (WantsLetterMetrics) results.Add(ScoreAs(PredictionKind.Letter, questions, responses, options));

        var metricsPerQuestion = questions.Select(_ => new SortedDictionary<string, double>(StringComparer.Ordinal)).ToArray();
        foreach (var result in results)
            foreach (var metric in ScoreMetrics.For(result.Kind))
                for (int i = 0; i < questions.Count; i++) metricsPerQuestion[i][metric.Name] = metric.Value(result.Items[i]);
        if (loglik is not null)
            for (int i = 0; i < questions.Count; i++)
                if (loglik[i] is { } choice) metricsPerQuestion[i][MetricNames.LoglikAccuracy] = choice.Correct ? 1 : 0;

        var responseItems = results.FirstOrDefault(r => r.Kind == PredictionKind.Response)?.Items;
        var predictions = new QuestionPrediction[questions.Count];
        for (int i = 0; i < questions.Count; i++)
        {
            var question = questions[i];
            predictions[i] = new QuestionPrediction
            {
                ProblemId = question.ProblemId,
                Year = question.Year,
                Section = question.Section,
                Category = question.Category,
                Points = question.Points,
                Answer = question.Answer,
                Gold = AnswerText.OptionText(question),
                PromptSha256 = Sha256Hex(prompts[i]),
                Prompt = prompts[i],
                RawOutput = outputs[i].Text,
                Response = responses[i],
                FinishReason = outputs[i].FinishReason,
                GeneratedTokens = outputs[i].TokenIds.Count,
                Picked = responseItems?[i].Response?.Picked,
                LoglikPicked = loglik?[i] is { } choice ? string.Join(",", choice.PickedLetters) : null,
                Metrics = metricsPerQuestion[i],
            };
        }
        return new DatasetEvaluation(predictions, MergeReports(questions, results, loglik, options));
    }

    private IReadOnlyList<ExamQuestion> Shuffled(IReadOnlyList<ExamQuestion> source)
    {
        var shuffled = source.Select(q => OptionShuffler.Shuffle(q, settings.Seed)).ToArray();
        return source is ExamQuestionSet set ? new ExamQuestionSet(set.SourcePath, shuffled, set.TotalRead, set.Filters) : shuffled;
    }

    private List<GeneratedText> Generate(IReadOnlyList<string> prompts, IStageProgress? progress, CancellationToken cancellationToken)
    {
        var options = settings.Decoding with { StopStrings = _prompts.StopStrings };
        int chunk = Math.Max(1, options.BatchSize);
        var outputs = new List<GeneratedText>(prompts.Count);
        for (int start = 0; start < prompts.Count; start += chunk)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = prompts.Skip(start).Take(chunk).ToArray();
            var generated = generator.Generate(batch, options, cancellationToken);
            if (generated.Count != batch.Length)
                throw new InvalidOperationException($"The generator returned {generated.Count} continuations for {batch.Length} prompts.");
            outputs.AddRange(generated);
            progress?.Increment(batch.Length);
        }
        return outputs;
    }

    private static ScoreResult ScoreAs(PredictionKind kind, IReadOnlyList<ExamQuestion> questions, IReadOnlyList<string> responses, ScoreOptions options)
    {
        var records = questions.Select((q, i) => new Prediction(q.ProblemId, responses[i])).ToArray();
        return ExamScorer.Score(questions, new PredictionSet(kind, records, "generated"), options);
    }

    /// <summary>One report for the dataset: the free-text and letter reports' tables together, plus loglik_accuracy.</summary>
    private static ScoreReport MergeReports(IReadOnlyList<ExamQuestion> questions, IReadOnlyList<ScoreResult> results, IReadOnlyList<LoglikChoice?>? loglik, ScoreOptions options)
    {
        var report = results.Count > 0 ? results[0].Report : EmptyReport(questions, options);
        foreach (var other in results.Skip(1)) MergeInto(report, other.Report);
        if (loglik is not null) MergeInto(report, LoglikReport(questions, loglik, options));
        var letter = results.FirstOrDefault(r => r.Kind == PredictionKind.Letter)?.Report;
        return new ScoreReport
        {
            Mode = string.Join("+", results.Select(r => r.Report.Mode).Append(loglik is null ? null : "loglik").OfType<string>()),
            Questions = report.Questions,
            Predictions = report.Predictions,
            Filter = report.Filter,
            N = report.N,
            Settings = report.Settings,
            Bootstrap = report.Bootstrap,
            Summary = report.Summary,
            ExamPoints = letter?.ExamPoints,
            Breakdowns = report.Breakdowns,
            PredictionIssues = report.PredictionIssues,
            Notes = results.SelectMany(r => r.Report.Notes).Distinct()
                .Concat(loglik is null ? [] : ["loglik_accuracy: each option's text scored as a continuation of the prompt, log-probability per UTF-8 byte; the best k options are picked (k = number of gold letters)."])
                .ToArray(),
        };
    }

    private static void MergeInto(ScoreReport target, ScoreReport source)
    {
        foreach (var (name, summary) in source.Summary) target.Summary[name] = summary;
        MergeGroups(target.Breakdowns.Year, source.Breakdowns.Year);
        MergeGroups(target.Breakdowns.Section, source.Breakdowns.Section);
        MergeGroups(target.Breakdowns.Category, source.Breakdowns.Category);
    }

    private static void MergeGroups(GroupTable target, GroupTable source)
    {
        foreach (var (group, table) in source)
        {
            if (!target.TryGetValue(group, out var existing)) target[group] = existing = new MetricTable();
            foreach (var (name, summary) in table) existing[name] = summary;
        }
    }

    /// <summary>loglik_accuracy summarised like the library's metrics (same bootstrap seeds per group and metric).</summary>
    private static ScoreReport LoglikReport(IReadOnlyList<ExamQuestion> questions, IReadOnlyList<LoglikChoice?> loglik, ScoreOptions options)
    {
        var correct = new Dictionary<string, double>(StringComparer.Ordinal);
        for (int i = 0; i < questions.Count; i++)
            if (loglik[i] is { } choice) correct[questions[i].ProblemId] = choice.Correct ? 1 : 0;
        var metric = new MetricDefinition(MetricNames.LoglikAccuracy, MetricKind.Binary, item => correct[item.Question.ProblemId]);
        var items = questions.Where(q => correct.ContainsKey(q.ProblemId)).Select(q => new ItemScore(q, null, null, null)).ToArray();
        var metrics = new[] { metric };

        GroupTable Breakdown(string dimension, Func<ExamQuestion, string?> groupOf)
        {
            var table = new GroupTable();
            foreach (var group in items.Where(i => groupOf(i.Question) is not null).GroupBy(i => groupOf(i.Question)!, StringComparer.Ordinal))
                table[group.Key] = ExamScorer.Summarize(group.ToArray(), metrics, $"{dimension}={group.Key}", options);
            return table;
        }

        return new ScoreReport
        {
            Summary = items.Length == 0 ? new MetricTable() : ExamScorer.Summarize(items, metrics, "all", options),
            Breakdowns = new ScoreBreakdowns
            {
                Year = Breakdown("year", q => q.Year?.ToString(CultureInfo.InvariantCulture)),
                Section = Breakdown("section", q => q.Section),
                Category = Breakdown("category", q => q.Category),
            },
        };
    }

    private static ScoreReport EmptyReport(IReadOnlyList<ExamQuestion> questions, ScoreOptions options) => new()
    {
        Questions = questions is ExamQuestionSet set ? set.SourcePath : "(in memory)",
        Filter = questions is ExamQuestionSet filtered ? filtered.FilterDescription : $"{questions.Count} questions as given",
        N = questions.Count,
        Settings = new SortedDictionary<string, string>(options.Settings.ToDictionary(), StringComparer.Ordinal),
        Bootstrap = new BootstrapSettings(options.BootstrapResamples, options.Seed, options.ConfidenceLevel),
    };

    public static string Sha256Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
