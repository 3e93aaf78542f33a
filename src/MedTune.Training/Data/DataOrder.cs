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
