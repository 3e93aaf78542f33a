namespace MedTune.Inference;

/// <summary>
/// SplitMix64: a tiny, fully specified generator, so that sampled text depends only on the seed and not on the
/// runtime's System.Random algorithm.
/// </summary>
public sealed class SeededRandom(ulong state)
{
    private ulong _state = state;

    /// <summary>One generator per (seed, prompt index): a prompt's sample does not depend on the batch it ran in.</summary>
    public static SeededRandom ForPrompt(int seed, int promptIndex) =>
        new(Mix(unchecked((ulong)(uint)seed << 32 | (uint)promptIndex)));

    public ulong NextUInt64()
    {
        _state = unchecked(_state + 0x9E3779B97F4A7C15UL);
        return Mix(_state);
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    private static ulong Mix(ulong z)
    {
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }
}
