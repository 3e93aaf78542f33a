namespace MedTune.Models.Quantization;

/// <summary>
/// bitsandbytes' code books and the decision thresholds its kernels quantize with (csrc/kernels.cu:
/// <c>nf4_dequantization_lut</c>, <c>fp4_dequantization_lut</c>, <c>dQuantizeNF4</c>, <c>dQuantizeFP4</c>;
/// functional.py: <c>create_dynamic_map</c>).
/// </summary>
public static class CodeBooks
{
    /// <summary>The 16 NF4 values, code 0 … 15.</summary>
    public static ReadOnlySpan<float> Nf4 =>
    [
        -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f,
        -0.28444138169288635f, -0.18477343022823334f, -0.09105003625154495f, 0.0f,
        0.07958029955625534f, 0.16093020141124725f, 0.24611230194568634f, 0.33791524171829224f,
        0.44070982933044434f, 0.5626170039176941f, 0.7229568362236023f, 1.0f,
    ];

    /// <summary>The 16 FP4 values ([0, 0.0625, 8, 12, 4, 6, 2, 3] / 12, codes 8 … 15 negated), as the CUDA table writes them.</summary>
    public static ReadOnlySpan<float> Fp4 =>
    [
        0.0f, 0.005208333333f, 0.66666667f, 1.0f, 0.33333333f, 0.5f, 0.16666667f, 0.25f,
        -0.0f, -0.005208333333f, -0.66666667f, -1.0f, -0.33333333f, -0.5f, -0.16666667f, -0.25f,
    ];

    /// <summary>
    /// <c>dQuantizeNF4</c>'s pivots in ascending order: its decision tree returns the number of pivots strictly below x
    /// (a value exactly on a pivot takes the lower code; NaN, from an all-zero block, takes code 0).
    /// </summary>
    public static ReadOnlySpan<float> Nf4Pivots =>
    [
        -0.8480964004993439f, -0.6106329262256622f, -0.4599952697753906f, -0.33967943489551544f,
        -0.23460740596055984f, -0.13791173323988914f, -0.045525018125772476f, 0.03979014977812767f,
        0.1202552504837513f, 0.2035212516784668f, 0.2920137718319893f, 0.3893125355243683f,
        0.5016634166240692f, 0.6427869200706482f, 0.8614784181118011f,
    ];

    /// <summary><c>dQuantizeFP4</c>'s pivots on |x|, ascending, and the code each rank (pivots below |x|) maps to.</summary>
    public static ReadOnlySpan<float> Fp4Pivots => [0.00260417f, 0.0859375f, 0.20833333f, 0.29166667f, 0.4166667f, 0.583333f, 0.8333333f];

    public static ReadOnlySpan<byte> Fp4RankToCode => [0b000, 0b001, 0b110, 0b111, 0b100, 0b101, 0b010, 0b011];

    private static readonly Lazy<float[]> DynamicMapValues = new(CreateDynamicMap);

    /// <summary>
    /// <c>create_dynamic_map(signed=True)</c>: bitsandbytes' signed dynamic 8-bit map (256 ascending values), used for
    /// the absmax constants under double quantization.
    /// </summary>
    public static ReadOnlySpan<float> DynamicMap => DynamicMapValues.Value;

    private static float[] CreateDynamicMap()
    {
        const int maxExponentBits = 7, nonSignBits = 7;
        var data = new List<float>(256);
        for (var i = 0; i < maxExponentBits; i++)
        {
            var boundaries = TorchLinspace(0.1f, 1.0f, (1 << (i + nonSignBits - maxExponentBits)) + 1);
            var scale = (float)Math.Pow(10, -(maxExponentBits - 1) + i);
            for (var k = 0; k + 1 < boundaries.Length; k++)
            {
                var mean = (boundaries[k] + boundaries[k + 1]) / 2f;
                data.Add(scale * mean);
                data.Add(-scale * mean);
            }
        }
        data.Add(0f);
        data.Add(1f);
        data.Sort();
        return data.ToArray();
    }

    /// <summary>
    /// <c>torch.linspace(start, end, steps, dtype=float32)</c> as torch's CPU kernel computes it: the first half
    /// <c>start + step·i</c>, the second <c>end − step·(steps−1−i)</c>, each one fused multiply-add. With FMA the map equals
    /// torch's <c>create_dynamic_map()</c> in all 256 entries; without it 42 entries differ by one float32 step.
    /// </summary>
    private static float[] TorchLinspace(float start, float end, int steps)
    {
        var step = (end - start) / (steps - 1);
        var values = new float[steps];
        for (var i = 0; i < steps; i++)
            values[i] = i < steps / 2
                ? MathF.FusedMultiplyAdd(step, i, start)
                : MathF.FusedMultiplyAdd(-step, steps - i - 1, end);
        return values;
    }
}
