namespace MedTune.Checkpoints.Tokenization;

/// <summary>
/// BPE merges applied by rank as HF tokenizers' <c>Word::merge_all</c> does: repeatedly merge the adjacent pair with
/// the lowest rank (leftmost first on ties) until no pair of the word has a merge. A priority queue keeps long words
/// (a whole sentence when there is no pre-tokenizer, as in Llama 2's tokenizer.json) at n log n.
/// </summary>
internal sealed class BpeMerges
{
    private readonly Dictionary<(int Left, int Right), (int Rank, int Merged)> _merges;

    public BpeMerges(Dictionary<(int Left, int Right), (int Rank, int Merged)> merges) => _merges = merges;

    public int Count => _merges.Count;

    /// <summary>Merges <paramref name="symbols"/> (initial token ids of one word) and appends the result to <paramref name="output"/>.</summary>
    public void Apply(List<int> symbols, List<int> output)
    {
        var n = symbols.Count;
        if (n < 2)
        {
            output.AddRange(symbols);
            return;
        }
        var ids = symbols.ToArray();
        var prev = new int[n];
        var next = new int[n];
        var alive = new bool[n];
        for (var i = 0; i < n; i++)
        {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
            alive[i] = true;
        }
        var queue = new PriorityQueue<(int Pos, int Merged), (int Rank, int Pos)>();
        for (var i = 0; i + 1 < n; i++) Enqueue(queue, ids, i, i + 1);

        while (queue.TryDequeue(out var top, out var priority))
        {
            var pos = top.Pos;
            if (!alive[pos] || next[pos] < 0) continue;
            var right = next[pos];
            if (!_merges.TryGetValue((ids[pos], ids[right]), out var merge) || merge.Merged != top.Merged || merge.Rank != priority.Rank) continue;
            ids[pos] = merge.Merged;
            alive[right] = false;
            next[pos] = next[right];
            if (next[right] >= 0) prev[next[right]] = pos;
            if (prev[pos] >= 0) Enqueue(queue, ids, prev[pos], pos);
            if (next[pos] >= 0) Enqueue(queue, ids, pos, next[pos]);
        }
        for (var i = 0; i >= 0; i = next[i]) output.Add(ids[i]);
    }

    private void Enqueue(PriorityQueue<(int, int), (int, int)> queue, int[] ids, int left, int right)
    {
        if (_merges.TryGetValue((ids[left], ids[right]), out var merge)) queue.Enqueue((left, merge.Merged), (merge.Rank, left));
    }
}
