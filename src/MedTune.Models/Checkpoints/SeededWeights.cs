using System.Text;
using MedTune.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace MedTune.Models;

/// <summary>
/// Deterministic random weights for generated models, produced in C# (SplitMix64 + Box–Muller) rather than
/// by torch's RNG so that the bytes of a generated checkpoint depend only on the seed, never on the libtorch build.
/// Each parameter has its own stream, seeded from the model seed and the parameter's name.
/// Matrices and embeddings are N(0, 0.02²) as Hugging Face initialises them; norm weights are 1 + N(0, 0.1²) and
/// biases N(0, 0.02²) rather than exactly 1 and 0, so that tests comparing implementations exercise them.
/// </summary>
public static class SeededWeights
{
    public const double MatrixStd = 0.02;
    public const double NormStd = 0.1;

    public static CausalLanguageModel Create(ModelConfig config, int seed)
    {
        var model = CausalLanguageModel.Create(config);
        Fill(model, seed);
        model.eval();
        return model;
    }

    public static void Fill(CausalLanguageModel model, int seed)
    {
        var norms = model.named_modules().Where(m => m.module is RmsNorm or LayerNorm).Select(m => m.name).ToHashSet(StringComparer.Ordinal);
        using var noGrad = no_grad();
        foreach (var (name, parameter) in model.named_parameters())
        {
            var owner = name[..name.LastIndexOf('.')];
            var isNormWeight = norms.Contains(owner) && name.EndsWith(".weight", StringComparison.Ordinal);
            var values = Normal(checked((int)parameter.numel()), StreamSeed(seed, name), isNormWeight ? NormStd : MatrixStd, isNormWeight ? 1.0 : 0.0);
            using var source = tensor(values).reshape(parameter.shape);
            parameter.copy_(source);
        }
    }

    private static float[] Normal(int count, ulong seed, double std, double mean)
    {
        var random = new SplitMix64(seed);
        var values = new float[count];
        for (var i = 0; i < count; i += 2)
        {
            // Box–Muller: two independent N(0,1) from two uniforms in (0, 1].
            var u1 = 1.0 - random.NextDouble();
            var u2 = random.NextDouble();
            var radius = Math.Sqrt(-2.0 * Math.Log(u1));
            values[i] = (float)(mean + std * radius * Math.Cos(2 * Math.PI * u2));
            if (i + 1 < count) values[i + 1] = (float)(mean + std * radius * Math.Sin(2 * Math.PI * u2));
        }
        return values;
    }

    /// <summary>FNV-1a of the parameter name mixed with the model seed.</summary>
    private static ulong StreamSeed(int seed, string name)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(name)) hash = (hash ^ b) * 1099511628211UL;
        return hash ^ ((ulong)(uint)seed * 0x9E3779B97F4A7C15UL);
    }

    /// <summary>Steele, Lea &amp; Flood's SplitMix64: tiny, fast, and fully specified, so its output never changes.</summary>
    private sealed class SplitMix64(ulong state)
    {
        public ulong Next()
        {
            var z = state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
        public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));
    }
}
