namespace MedTune.Training;

/// <summary>
/// The order examples are seen in: a fresh shuffle per epoch, derived from (seed, epoch) alone, so any position in
/// training is recreated from (epoch, index) without stored generator state. Own PRNG (SplitMix64), identical on every
/// platform and .NET version.
/// </summary>
public static class DataOrder
{
    public static int[] Permutation(int count, int seed, int epoch)
    {
        var state = Mix(((ulong)(uint)seed << 32) ^ (uint)epoch ^ 0xD1B54A32D192ED03UL);
        var order = Enumerable.Range(0, count).ToArray();
        for (var i = count - 1; i > 0; i--) // Fisher–Yates
        {
            var j = (int)(Next(ref state) % (ulong)(i + 1));
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    /// <summary>Optimizer steps' worth of examples sorted together by <see cref="GroupByLength"/> (Hugging Face uses 50).</summary>
    public const int StepsPerLengthGroup = 50;

    /// <summary>
    /// Hugging Face's length grouping: the shuffled <paramref name="order"/> is cut into groups of
    /// <paramref name="groupSize"/> examples and each group is sorted by length, longest first (ties keep the shuffle's
    /// order), so consecutive micro-batches hold examples of similar length while the epoch stays shuffled.
    /// </summary>
    public static int[] GroupByLength(int[] order, Func<int, int> length, int groupSize)
    {
        if (groupSize <= 0) throw new ArgumentOutOfRangeException(nameof(groupSize));
        var grouped = new List<int>(order.Length);
        for (var start = 0; start < order.Length; start += groupSize)
            grouped.AddRange(order.Skip(start).Take(groupSize).OrderByDescending(length));
        return grouped.ToArray();
    }

    private static ulong Next(ref ulong state)
    {
        state += 0x9E3779B97F4A7C15UL;
        return Mix(state);
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
