namespace MedTune.Checkpoints.Tokenization;

/// <summary>
/// A small, deterministic BPE trainer: repeatedly merges the most frequent adjacent symbol pair (ties broken by
/// ordinal order of the pair) until <c>maxMerges</c> or no pair occurs at least <c>minFrequency</c> times.
/// Pair counts are updated only for the words a merge touches, so a few-KB corpus trains in well under a second.
/// </summary>
internal static class BpeTrainer
{
    public static IReadOnlyList<(string Left, string Right)> Train(
        IEnumerable<IReadOnlyList<string>> words, int maxMerges, int minFrequency = 2)
    {
        var distinct = words.GroupBy(w => string.Join('\u0000', w), StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (Symbols: g.First().ToList(), Count: g.Count()))
            .ToArray();
        var pairs = new PairCounts();
        for (var w = 0; w < distinct.Length; w++) pairs.Add(distinct[w].Symbols, distinct[w].Count, w);

        var merges = new List<(string, string)>();
        while (merges.Count < maxMerges && pairs.MostFrequent(minFrequency) is { } best)
        {
            merges.Add(best);
            foreach (var w in pairs.WordsContaining(best))
            {
                var (symbols, count) = distinct[w];
                pairs.Remove(symbols, count);
                ApplyMerge(symbols, best.Left, best.Right);
                pairs.Add(symbols, count, w);
            }
        }
        return merges;
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

    /// <summary>Weighted counts of adjacent pairs, and which words (may) contain each pair.</summary>
    private sealed class PairCounts
    {
        private readonly Dictionary<(string Left, string Right), int> _counts = new();
        private readonly Dictionary<(string Left, string Right), SortedSet<int>> _words = new();

        public void Add(List<string> symbols, int count, int word)
        {
            for (var i = 0; i + 1 < symbols.Count; i++)
            {
                var pair = (symbols[i], symbols[i + 1]);
                _counts[pair] = _counts.GetValueOrDefault(pair) + count;
                if (!_words.TryGetValue(pair, out var set)) _words[pair] = set = [];
                set.Add(word);
            }
        }

        public void Remove(List<string> symbols, int count)
        {
            for (var i = 0; i + 1 < symbols.Count; i++)
            {
                var pair = (symbols[i], symbols[i + 1]);
                var left = _counts[pair] - count;
                if (left == 0) _counts.Remove(pair);
                else _counts[pair] = left;
            }
        }

        /// <summary>Words that contained the pair at some point; merging in one that no longer does is a no-op.</summary>
        public int[] WordsContaining((string, string) pair) => _words.TryGetValue(pair, out var set) ? [.. set] : [];

        public (string Left, string Right)? MostFrequent(int minFrequency)
        {
            (string Left, string Right)? best = null;
            var bestCount = minFrequency - 1;
            foreach (var (pair, count) in _counts)
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
    }
}
