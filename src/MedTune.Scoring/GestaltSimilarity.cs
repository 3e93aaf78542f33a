namespace MedTune.Scoring;

/// <summary>
/// Ratcliff/Obershelp "gestalt pattern matching": a bit-exact port of Python's
/// <c>difflib.SequenceMatcher(None, a, b).ratio()</c> over Unicode code points.
/// </summary>
/// <remarks>
/// Reproduces difflib's behaviour that makes <c>ratio(a, b)</c> differ from <c>ratio(b, a)</c>:
/// <list type="bullet">
/// <item>find_longest_match prefers the block starting earliest in <c>a</c>, then earliest in <c>b</c>;</item>
/// <item>autojunk: when <c>len(b) &gt;= 200</c>, code points of <c>b</c> occurring more than
/// <c>1 + len(b) / 100</c> times ("popular") are removed from the index, so they never start a
/// match; they can still extend one, because difflib only refuses to extend over <em>junk</em>,
/// and with <c>isjunk=None</c> nothing is junk.</item>
/// </list>
/// </remarks>
public static class GestaltSimilarity
{
    /// <summary><c>2*M / (len(a)+len(b))</c>, or 1.0 when both are empty, exactly as difflib computes it.</summary>
    public static double Ratio(string a, string b) => Ratio(CodePoints.Of(a), CodePoints.Of(b));

    public static double Ratio(int[] a, int[] b)
    {
        int matches = MatchingCharacters(a, b);
        int length = a.Length + b.Length;
        return length == 0 ? 1.0 : 2.0 * matches / length;
    }

    /// <summary>M: the total size of difflib's matching blocks of <paramref name="a"/> against <paramref name="b"/>.</summary>
    public static int MatchingCharacters(int[] a, int[] b)
    {
        var matcher = new BlockMatcher(a, b);
        int total = 0;
        foreach (var block in matcher.MatchingBlocks()) total += block.Size;
        return total;
    }

    /// <summary>A common block: <c>a[A..A+Size) == b[B..B+Size)</c>.</summary>
    private readonly record struct Block(int A, int B, int Size);

    private sealed class BlockMatcher
    {
        private readonly int[] _a;
        private readonly int[] _b;
        // For each non-popular code point of b, the positions where it occurs, ascending ("b2j").
        private readonly Dictionary<int, int[]> _positionsInB;

        public BlockMatcher(int[] a, int[] b)
        {
            _a = a;
            _b = b;
            _positionsInB = IndexOf(b);
        }

        private static Dictionary<int, int[]> IndexOf(int[] b)
        {
            var lists = new Dictionary<int, List<int>>();
            for (int j = 0; j < b.Length; j++)
            {
                if (!lists.TryGetValue(b[j], out var list)) lists[b[j]] = list = new List<int>();
                list.Add(j);
            }
            bool autojunk = b.Length >= 200;
            int popularThreshold = b.Length / 100 + 1;
            var index = new Dictionary<int, int[]>(lists.Count);
            foreach (var (codePoint, positions) in lists)
            {
                if (autojunk && positions.Count > popularThreshold) continue;
                index[codePoint] = positions.ToArray();
            }
            return index;
        }

        /// <summary>difflib's get_matching_blocks before its final merge (merging never changes the sizes' sum).</summary>
        public List<Block> MatchingBlocks()
        {
            var blocks = new List<Block>();
            var pending = new Stack<(int ALo, int AHi, int BLo, int BHi)>();
            pending.Push((0, _a.Length, 0, _b.Length));
            while (pending.Count > 0)
            {
                var (aLo, aHi, bLo, bHi) = pending.Pop();
                var block = FindLongestMatch(aLo, aHi, bLo, bHi);
                if (block.Size == 0) continue;
                blocks.Add(block);
                if (aLo < block.A && bLo < block.B) pending.Push((aLo, block.A, bLo, block.B));
                if (block.A + block.Size < aHi && block.B + block.Size < bHi)
                    pending.Push((block.A + block.Size, aHi, block.B + block.Size, bHi));
            }
            blocks.Sort((x, y) => x.A != y.A ? x.A.CompareTo(y.A) : x.B != y.B ? x.B.CompareTo(y.B) : x.Size.CompareTo(y.Size));
            return blocks;
        }

        // difflib's j2len dictionaries as arrays indexed by j + 1 (so that j - 1 = -1 is index 0), kept
        // all-zero between calls; the touched lists say which entries to reset.
        private int[] _lengthEndingAt = Array.Empty<int>();
        private int[] _nextLengthEndingAt = Array.Empty<int>();
        private readonly List<int> _touched = new();
        private readonly List<int> _nextTouched = new();

        private Block FindLongestMatch(int aLo, int aHi, int bLo, int bHi)
        {
            if (_lengthEndingAt.Length < _b.Length + 1)
            {
                _lengthEndingAt = new int[_b.Length + 1];
                _nextLengthEndingAt = new int[_b.Length + 1];
            }
            int bestI = aLo, bestJ = bLo, bestSize = 0;
            // _lengthEndingAt[j + 1] = length of the match ending at a[i-1], b[j] (0 when none).
            for (int i = aLo; i < aHi; i++)
            {
                if (_positionsInB.TryGetValue(_a[i], out var positions))
                {
                    foreach (int j in positions)
                    {
                        if (j < bLo) continue;
                        if (j >= bHi) break;
                        int k = _lengthEndingAt[j] + 1;
                        _nextLengthEndingAt[j + 1] = k;
                        _nextTouched.Add(j + 1);
                        if (k > bestSize) { bestI = i - k + 1; bestJ = j - k + 1; bestSize = k; }
                    }
                }
                foreach (int t in _touched) _lengthEndingAt[t] = 0;
                _touched.Clear();
                (_lengthEndingAt, _nextLengthEndingAt) = (_nextLengthEndingAt, _lengthEndingAt);
                _touched.AddRange(_nextTouched);
                _nextTouched.Clear();
            }
            foreach (int t in _touched) _lengthEndingAt[t] = 0;
            _touched.Clear();

            // Extend over equal elements on both sides. difflib refuses only junk here, and with
            // isjunk=None nothing is junk (popular elements are not junk), so every equal element
            // extends. difflib's second pair of loops ("suck up matching junk") then has nothing to do.
            while (bestI > aLo && bestJ > bLo && _a[bestI - 1] == _b[bestJ - 1])
            {
                bestI--; bestJ--; bestSize++;
            }
            while (bestI + bestSize < aHi && bestJ + bestSize < bHi && _a[bestI + bestSize] == _b[bestJ + bestSize])
                bestSize++;
            return new Block(bestI, bestJ, bestSize);
        }
    }
}

/// <summary>Strings as Unicode code points, the unit Python's <c>str</c> indexes by.</summary>
public static class CodePoints
{
    /// <summary>Code points of <paramref name="s"/>; a lone surrogate counts as one code point, as in Python.</summary>
    public static int[] Of(string s)
    {
        var result = new int[s.Length];
        int count = 0;
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                result[count++] = char.ConvertToUtf32(c, s[i + 1]);
                i++;
            }
            else result[count++] = c;
        }
        Array.Resize(ref result, count);
        return result;
    }

    /// <summary>Number of code points (Python's <c>len</c>).</summary>
    public static int Count(string s) => Of(s).Length;
}
