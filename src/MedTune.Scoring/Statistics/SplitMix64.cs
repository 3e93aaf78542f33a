namespace MedTune.Scoring.Statistics;

/// <summary>
/// SplitMix64 (Steele, Lea, Flood 2014): a tiny seeded generator whose output is fixed by its
/// definition, unlike <see cref="System.Random"/>, whose algorithm may change between .NET versions.
/// </summary>
public sealed class SplitMix64
{
    private ulong _state;

    public SplitMix64(ulong seed) => _state = seed;

    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform integer in [0, <paramref name="bound"/>), without modulo bias (Lemire's method).</summary>
    public int NextBelow(int bound)
    {
        if (bound <= 0) throw new ArgumentOutOfRangeException(nameof(bound), bound, "must be positive");
        ulong range = (ulong)bound;
        ulong high = Math.BigMul(NextUInt64(), range, out ulong low);
        if (low < range)
        {
            // Only here can the low word fall in the biased zone; the division is rarely needed.
            ulong threshold = (0UL - range) % range;
            while (low < threshold) high = Math.BigMul(NextUInt64(), range, out low);
        }
        return (int)high;
    }

    /// <summary>A seed for an independent stream named <paramref name="label"/> (e.g. a metric and group).</summary>
    public static ulong DeriveSeed(ulong seed, string label)
    {
        // FNV-1a over the UTF-16 code units, then one SplitMix64 step to spread the bits.
        ulong hash = 14695981039346656037UL;
        foreach (char c in label) { hash ^= c; hash *= 1099511628211UL; }
        return new SplitMix64(seed ^ hash).NextUInt64();
    }
}
