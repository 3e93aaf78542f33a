using MedTune.Inference;
using MedTune.Scoring;

namespace MedTune.Evaluation;

/// <summary>The options the log-likelihood scorer picked for one question, and each option's per-byte log-probability.</summary>
public sealed record LoglikChoice(IReadOnlyList<string> PickedLetters, IReadOnlyList<double> PerByteLogProbabilities, bool Correct);

/// <summary>
/// lm-evaluation-harness style option scoring: each option's text is scored as a continuation of the
/// prompt, normalised by its UTF-8 byte length (so long options are not penalised), and the best
/// k options are picked, k being the number of gold answers.
/// </summary>
public static class LoglikOptionScorer
{
    /// <summary>Scores every question with options; questions without options (numeric answers) get null.</summary>
    public static IReadOnlyList<LoglikChoice?> Choose(
        ITextGenerator generator, IReadOnlyList<ExamQuestion> questions, IReadOnlyList<string> prompts, CancellationToken cancellationToken = default)
    {
        var pairs = new List<(string Context, string Continuation)>();
        for (int q = 0; q < questions.Count; q++)
            foreach (var choice in questions[q].Choices) pairs.Add((prompts[q], choice));
        var scores = pairs.Count == 0 ? [] : generator.ScoreContinuations(pairs, cancellationToken);
        if (scores.Count != pairs.Count)
            throw new InvalidOperationException($"The generator scored {scores.Count} continuations for {pairs.Count} options.");

        var result = new LoglikChoice?[questions.Count];
        int next = 0;
        for (int q = 0; q < questions.Count; q++)
        {
            var question = questions[q];
            if (question.Choices.Count == 0) continue;
            var perByte = scores.Skip(next).Take(question.Choices.Count).Select(PerByte).ToArray();
            next += question.Choices.Count;
            result[q] = Pick(question, perByte);
        }
        return result;
    }

    public static LoglikChoice Pick(ExamQuestion question, IReadOnlyList<double> perByteLogProbabilities)
    {
        int k = question.GoldAlternatives[0].Count;
        // Stable sort: equal scores keep option order, so the earlier option wins a tie.
        var picked = Enumerable.Range(0, perByteLogProbabilities.Count)
            .OrderByDescending(i => perByteLogProbabilities[i])
            .Take(k)
            .Order()
            .Select(ExamQuestion.LetterOf)
            .ToArray();
        bool correct = question.GoldAlternatives.Any(gold => gold.SequenceEqual(picked, StringComparer.Ordinal));
        return new LoglikChoice(picked, perByteLogProbabilities, correct);
    }

    private static double PerByte(ContinuationScore score) =>
        score.ByteCount > 0 ? score.LogProbability / score.ByteCount : double.NegativeInfinity;
}
