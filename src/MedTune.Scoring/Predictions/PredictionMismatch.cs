namespace MedTune.Scoring.Predictions;

/// <summary>
/// How a prediction set fails to line up with the questions: ids no question has, questions
/// without a prediction, ids predicted more than once. The scorer ignores unknown ids, scores a
/// missing prediction as an empty answer (wrong), and uses the first of duplicates; the CLI decides
/// whether that is an error or a warning.
/// </summary>
public sealed record PredictionMismatch(
    IReadOnlyList<string> UnknownIds,
    IReadOnlyList<string> MissingIds,
    IReadOnlyList<string> DuplicateIds)
{
    public bool IsEmpty => UnknownIds.Count == 0 && MissingIds.Count == 0 && DuplicateIds.Count == 0;

    /// <summary>Predictions for questions that exist but the filters left out: ignored, and not a mismatch.</summary>
    public IReadOnlyList<string> FilteredOutIds { get; init; } = [];

    public static PredictionMismatch Between(IReadOnlyList<ExamQuestion> questions, PredictionSet predictions)
    {
        var excluded = (questions as ExamQuestionSet)?.ExcludedIds;
        var questionIds = questions.Select(q => q.ProblemId).ToHashSet(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var unknown = new List<string>();
        var duplicates = new List<string>();
        var filteredOut = new List<string>();
        foreach (var prediction in predictions.Records)
        {
            if (!seen.Add(prediction.ProblemId))
            {
                if (!duplicates.Contains(prediction.ProblemId)) duplicates.Add(prediction.ProblemId);
                continue;
            }
            if (questionIds.Contains(prediction.ProblemId)) continue;
            if (excluded is not null && excluded.Contains(prediction.ProblemId)) filteredOut.Add(prediction.ProblemId);
            else unknown.Add(prediction.ProblemId);
        }
        var missing = questions.Select(q => q.ProblemId).Where(id => !seen.Contains(id)).ToList();
        return new PredictionMismatch(unknown, missing, duplicates) { FilteredOutIds = filteredOut };
    }

    /// <summary>e.g. "116 prediction(s) for questions the filters leave out (ignored)"; empty when none.</summary>
    public string DescribeFilteredOut() =>
        FilteredOutIds.Count == 0 ? "" : $"{FilteredOutIds.Count} prediction(s) for questions the filters leave out (ignored)";

    /// <summary>One line per problem, listing at most <paramref name="maxIds"/> ids each; empty when none.</summary>
    public string Describe(int maxIds = 10)
    {
        var lines = new List<string>();
        if (UnknownIds.Count > 0) lines.Add($"{UnknownIds.Count} prediction(s) for unknown problem ids (ignored): {List(UnknownIds, maxIds)}");
        if (MissingIds.Count > 0) lines.Add($"{MissingIds.Count} question(s) without a prediction (scored as wrong): {List(MissingIds, maxIds)}");
        if (DuplicateIds.Count > 0) lines.Add($"{DuplicateIds.Count} problem id(s) predicted more than once (first one used): {List(DuplicateIds, maxIds)}");
        return string.Join(Environment.NewLine, lines);
    }

    private static string List(IReadOnlyList<string> ids, int max) =>
        string.Join(", ", ids.Take(max)) + (ids.Count > max ? $", … ({ids.Count - max} more)" : "");
}
