using System.Text.RegularExpressions;

namespace MedTune.Scoring;

/// <summary>Letter-format result of one question.</summary>
/// <param name="Correct">The IgakuQA release's rule: split on ',' as is, sort, compare.</param>
/// <param name="CorrectNormalized">Same after trimming, lower-casing and width folding each part.</param>
/// <param name="PointsEarned">The question's points when <paramref name="Correct"/>, else 0.</param>
/// <param name="PointsPossible">The question's points (0 when the file gives none).</param>
public sealed record LetterScore(string Prediction, bool Correct, bool CorrectNormalized, double PointsEarned, double PointsPossible);

/// <summary>
/// Scores letter predictions (<c>"a,c"</c>) the way the IgakuQA release's scorer does, including its
/// two official exceptions: 116A71 counts as correct for every answer, 112B30 accepts "a" or "d".
/// </summary>
public static partial class LetterScorer
{
    public const string AlwaysCorrectProblemId = "116A71";
    public const string AOrDProblemId = "112B30";

    [GeneratedRegex(@"^\d{3}-[A-Z]\.jsonl$")]
    private static partial Regex IgakuQaSectionFile();

    /// <summary>
    /// Whether the official exceptions concern <paramref name="question"/>: it was read from an IgakuQA
    /// section file (<c>NNN-X.jsonl</c>). DenQA reuses ids such as 116A71 for other questions.
    /// </summary>
    public static bool IsFromIgakuQaSectionFile(ExamQuestion question) =>
        IgakuQaSectionFile().IsMatch(Path.GetFileName(question.SourceFile));

    public static LetterScore Score(ExamQuestion question, string prediction, bool applyOfficialExceptions)
    {
        bool correct = IsCorrect(question, prediction.Split(','), applyOfficialExceptions);
        var normalizedParts = WidthNormalizer.Normalize(prediction).Split(',').Select(WidthNormalizer.NormalizeLetters).ToArray();
        bool correctNormalized = IsCorrect(question, normalizedParts, applyOfficialExceptions);
        double points = question.Points ?? 0;
        return new LetterScore(prediction, correct, correctNormalized, correct ? points : 0, points);
    }

    private static bool IsCorrect(ExamQuestion question, IEnumerable<string> predictionParts, bool applyOfficialExceptions)
    {
        var predicted = predictionParts.Order(StringComparer.Ordinal).ToArray();
        if (applyOfficialExceptions)
        {
            if (question.ProblemId == AlwaysCorrectProblemId) return true;
            if (question.ProblemId == AOrDProblemId && predicted is ["a"] or ["d"]) return true;
        }
        return predicted.SequenceEqual(question.Answer.Order(StringComparer.Ordinal), StringComparer.Ordinal);
    }
}
