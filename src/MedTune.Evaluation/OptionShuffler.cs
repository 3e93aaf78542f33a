using System.Security.Cryptography;
using System.Text;
using MedTune.Scoring;

namespace MedTune.Evaluation;

/// <summary>
/// Reorders a question's options with a permutation drawn from (seed, problem id), so that one question
/// gets the same order whatever else is filtered in, and remaps the gold letters to the new positions.
/// </summary>
public static class OptionShuffler
{
    public static ExamQuestion Shuffle(ExamQuestion question, int seed)
    {
        if (question.Choices.Count < 2) return question;
        var order = Permutation(question.Choices.Count, QuestionSeed(question.ProblemId, seed));
        // order[newIndex] = oldIndex; newLetterOf maps an old letter to where its option went.
        var newIndexOfOld = new int[order.Length];
        for (int newIndex = 0; newIndex < order.Length; newIndex++) newIndexOfOld[order[newIndex]] = newIndex;

        string Remap(string letter)
        {
            int old = ExamQuestion.IndexOf(letter);
            return old >= 0 && old < order.Length ? ExamQuestion.LetterOf(newIndexOfOld[old]) : letter;
        }

        var answer = question.Answer
            .Select(a => a.Contains(" or ", StringComparison.Ordinal)
                ? string.Join(" or ", a.Split(" or ").Select(part => Remap(part.Trim())))
                : Remap(a))
            .ToArray();
        return question with { Choices = order.Select(i => question.Choices[i]).ToArray(), Answer = answer };
    }

    private static int[] Permutation(int count, int seed)
    {
        var order = Enumerable.Range(0, count).ToArray();
        new Random(seed).Shuffle(order);
        return order;
    }

    private static int QuestionSeed(string problemId, int seed)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{seed}\n{problemId}"));
        return BitConverter.ToInt32(hash, 0) & int.MaxValue;
    }
}
