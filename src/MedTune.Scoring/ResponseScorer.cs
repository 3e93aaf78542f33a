namespace MedTune.Scoring;

/// <summary>The three free-text metrics of one question, strict (spec) and normalised (extra columns).</summary>
/// <param name="Response">R: the extracted response, before <c>clean</c>.</param>
/// <param name="Gold">g: the gold string (first alternative when the answer lists several).</param>
/// <param name="Picked">Letters the accuracy metric picked, joined by ',' (empty for numeric questions).</param>
public sealed record ResponseScore(
    string Response,
    string Gold,
    bool ExactMatch,
    double GestaltScore,
    bool Accuracy,
    string Picked,
    bool ExactMatchNormalized,
    double GestaltScoreNormalized,
    bool AccuracyNormalized);

/// <summary>
/// Exact match, Gestalt score and accuracy of a free-text answer (spec "The three metrics").
/// When the answer lists alternatives (IgakuQA 112B30: "a or d") a metric takes its best alternative.
/// A question without options (numeric answer) has no option to pick: its accuracy is its exact match.
/// </summary>
public static class ResponseScorer
{
    public static ResponseScore Score(ExamQuestion question, string response)
    {
        var strict = ScoreWith(question, response, s => s);
        var normalized = ScoreWith(question, response, WidthNormalizer.Normalize);
        return new ResponseScore(response, GoldString(question, question.GoldAlternatives[0]),
            strict.Exact, strict.Gestalt, strict.Accurate, strict.Picked,
            normalized.Exact, normalized.Gestalt, normalized.Accurate);
    }

    /// <summary>The gold options' texts in letter order joined by ',' (no space); the number itself for numeric answers.</summary>
    public static string GoldString(ExamQuestion question, IReadOnlyList<string> goldLetters)
    {
        if (question.HasNumericAnswer) return string.Join(",", goldLetters);
        return string.Join(",", goldLetters
            .Select(ExamQuestion.IndexOf)
            .Order()
            .Select(i => question.Choices[i]));
    }

    /// <summary><c>(ratio(a, b) + ratio(b, a)) / 2</c>, the symmetric form of the reference harness.</summary>
    public static double SymmetricRatio(string a, string b)
    {
        int[] x = CodePoints.Of(a), y = CodePoints.Of(b);
        return (GestaltSimilarity.Ratio(x, y) + GestaltSimilarity.Ratio(y, x)) / 2;
    }

    /// <summary>
    /// Indices of the <paramref name="k"/> options most similar to <paramref name="cleanedResponse"/>, picked
    /// greedily (highest first; ties go to the earlier option), in ascending order.
    /// </summary>
    public static IReadOnlyList<int> PickOptions(IReadOnlyList<string> options, string cleanedResponse, int k)
    {
        var scores = options.Select(option => SymmetricRatio(option, cleanedResponse)).ToArray();
        // OrderByDescending is a stable sort, so equal scores keep option order: the earlier option wins.
        return Enumerable.Range(0, options.Count)
            .OrderByDescending(i => scores[i])
            .Take(k)
            .Order()
            .ToArray();
    }

    private readonly record struct Metrics(bool Exact, double Gestalt, bool Accurate, string Picked);

    private static Metrics ScoreWith(ExamQuestion question, string response, Func<string, string> normalize)
    {
        string r = ResponseExtractor.Clean(normalize(response));
        bool exact = false;
        double gestalt = 0;
        foreach (var alternative in question.GoldAlternatives)
        {
            string g = ResponseExtractor.Clean(normalize(GoldString(question, alternative)));
            exact |= r == g;
            gestalt = Math.Max(gestalt, SymmetricRatio(r, g));
        }
        if (question.HasNumericAnswer) return new Metrics(exact, gestalt, exact, "");

        int k = question.GoldAlternatives[0].Count;
        var picked = PickOptions(question.Choices.Select(normalize).ToArray(), r, k);
        var pickedLetters = picked.Select(ExamQuestion.LetterOf).ToArray();
        bool accurate = question.GoldAlternatives.Any(alternative => alternative.SequenceEqual(pickedLetters));
        return new Metrics(exact, gestalt, accurate, string.Join(",", pickedLetters));
    }
}
