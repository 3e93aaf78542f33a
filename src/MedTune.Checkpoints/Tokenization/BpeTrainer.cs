namespace MedTune.Checkpoints.Tokenization;

/// <summary>
/// A small, deterministic BPE trainer: repeatedly merges the most frequent adjacent symbol pair (ties broken by
/// ordinal order of the pair) until <c>maxMerges</c> or no pair occurs at least <c>minFrequency</c> times.
/// Naive recounting per merge: fine for the few-KB corpora of the builtin tokenizers, not for real training.
/// </summary>
internal static class BpeTrainer
{
    public static IReadOnlyList<(string Left, string Right)> Train(
        IEnumerable<IReadOnlyList<string>> words, int maxMerges, int minFrequency = 2)
    {
        var counted = words.GroupBy(w => string.Join('\u0000', w), StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (Symbols: g.First().ToList(), Count: g.Count()))
            .ToList();
        var merges = new List<(string, string)>();
        while (merges.Count < maxMerges)
        {
            var best = MostFrequentPair(counted, minFrequency);
            if (best is not { } pair) break;
            merges.Add(pair);
            foreach (var (symbols, _) in counted) ApplyMerge(symbols, pair.Left, pair.Right);
        }
        return merges;
    }

    private static (string Left, string Right)? MostFrequentPair(List<(List<string> Symbols, int Count)> words, int minFrequency)
    {
        var counts = new Dictionary<(string, string), int>();
        foreach (var (symbols, count) in words)
        {
            for (var i = 0; i + 1 < symbols.Count; i++)
            {
                var key = (symbols[i], symbols[i + 1]);
                counts[key] = counts.GetValueOrDefault(key) + count;
            }
        }
        (string Left, string Right)? best = null;
        var bestCount = minFrequency - 1;
        foreach (var (pair, count) in counts)
        {
            if (count > bestCount || count == bestCount && best is { } b && Compare(pair, b) < 0)
            {
                best = pair;
                bestCount = count;
            }
        }
        return best;
    }

    private static int Compare((string Left, string Right) a, (string Left, string Right) b)
    {
        var left = string.CompareOrdinal(a.Left, b.Left);
        return left != 0 ? left : string.CompareOrdinal(a.Right, b.Right);
    }

    private static void ApplyMerge(List<string> symbols, string left, string right)
    {
        for (var i = 0; i + 1 < symbols.Count; i++)
        {
            if (symbols[i] == left && symbols[i + 1] == right)
            {
                symbols[i] = left + right;
                symbols.RemoveAt(i + 1);
            }
        }
    }
}
