using MedTune.Checkpoints;
using static TorchSharp.torch;

namespace MedTune.Models;

/// <summary>
/// Rotary position embeddings (Su et al., RoFormer): pairs of dimensions (i, i + d/2) of each query and key
/// head are rotated by the angle <c>position · θ^(-2i/d)</c>, so that attention scores depend on relative
/// position. Only the first <see cref="Dimensions"/> of a head are rotated (all for Llama, rotary_pct for NeoX).
/// </summary>
public sealed class RotaryEmbedding
{
    private readonly float[] _inverseFrequencies;

    public RotaryEmbedding(int dimensions, double theta, RopeScaling? scaling = null)
    {
        if (dimensions <= 0 || dimensions % 2 != 0)
            throw new ArgumentException($"rotary dimensions must be even and positive, not {dimensions}");
        Dimensions = dimensions;
        _inverseFrequencies = InverseFrequencies(dimensions, theta, scaling);
    }

    public int Dimensions { get; }

    /// <summary>θ^(-2i/d) for i in 0..d/2, adjusted by rope_scaling.</summary>
    public IReadOnlyList<float> Frequencies => _inverseFrequencies;

    private static float[] InverseFrequencies(int dimensions, double theta, RopeScaling? scaling)
    {
        var frequencies = Enumerable.Range(0, dimensions / 2)
            .Select(i => 1.0 / Math.Pow(theta, 2.0 * i / dimensions))
            .ToArray();
        return scaling switch
        {
            null => frequencies.Select(f => (float)f).ToArray(),
            // Linear interpolation (Chen et al. 2023): positions are divided by the factor.
            { Type: "linear" } => frequencies.Select(f => (float)(f / scaling.Factor)).ToArray(),
            { Type: "llama3" } => frequencies.Select(f => (float)Llama3Frequency(f, scaling)).ToArray(),
            _ => throw new CheckpointException($"rope_scaling type '{scaling.Type}' is not supported (linear and llama3 are)."),
        };
    }

    /// <summary>
    /// Llama 3.1's recipe: long wavelengths (beyond the original context / low_freq_factor) are slowed by the
    /// factor, short ones (below original context / high_freq_factor) are kept, the band between is blended.
    /// </summary>
    private static double Llama3Frequency(double frequency, RopeScaling scaling)
    {
        var originalContext = (double)scaling.OriginalMaxPositionEmbeddings;
        var lowFrequencyWavelength = originalContext / scaling.LowFrequencyFactor;
        var highFrequencyWavelength = originalContext / scaling.HighFrequencyFactor;
        var wavelength = 2 * Math.PI / frequency;
        if (wavelength < highFrequencyWavelength) return frequency;
        if (wavelength > lowFrequencyWavelength) return frequency / scaling.Factor;
        var smooth = (originalContext / wavelength - scaling.LowFrequencyFactor) / (scaling.HighFrequencyFactor - scaling.LowFrequencyFactor);
        return (1 - smooth) * frequency / scaling.Factor + smooth * frequency;
    }

    /// <summary>cos and sin of the rotation angles, [batch, 1, seq, dimensions], for <paramref name="positionIds"/> [batch, seq].</summary>
    public (Tensor Cos, Tensor Sin) Angles(Tensor positionIds, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var frequencies = tensor(_inverseFrequencies, device: positionIds.device);
        var angles = positionIds.to_type(ScalarType.Float32).unsqueeze(-1) * frequencies;
        var doubled = cat([angles, angles], -1).unsqueeze(1);
        var cos = doubled.cos().to_type(dtype);
        var sin = doubled.sin().to_type(dtype);
        return (cos.MoveToOuterDisposeScope(), sin.MoveToOuterDisposeScope());
    }

    /// <summary>Rotates the first <see cref="Dimensions"/> of each head of <paramref name="x"/> [batch, heads, seq, head_dim].</summary>
    public Tensor Rotate(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        var headDim = x.shape[^1];
        var rotated = x.narrow(-1, 0, Dimensions);
        var result = rotated * cos + RotateHalf(rotated) * sin;
        if (Dimensions < headDim)
            result = cat([result, x.narrow(-1, Dimensions, headDim - Dimensions)], -1);
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>(x1, x2) → (−x2, x1) over the two halves of the last dimension.</summary>
    private static Tensor RotateHalf(Tensor x)
    {
        var half = x.shape[^1] / 2;
        return cat([-x.narrow(-1, half, half), x.narrow(-1, 0, half)], -1);
    }
}
