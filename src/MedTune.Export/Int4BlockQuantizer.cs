namespace MedTune.Export;

/// <summary>
/// Asymmetric 4-bit block quantisation of a linear weight in the layout com.microsoft MatMulNBits reads:
/// blocks of <see cref="BlockSize"/> along the input (K) dimension, one float scale and one 4-bit zero point
/// per block, two values per byte (low nibble first). Dequantised value = (q - zero_point) * scale.
/// </summary>
public static class Int4BlockQuantizer
{
    public const int BlockSize = 32;
    private const int BlobBytes = BlockSize / 2;

    public sealed record QuantizedWeight(byte[] Packed, float[] Scales, byte[] ZeroPoints, int N, int K, int BlocksPerRow);

    /// <param name="weight">Row-major [n, k] (the Hugging Face [out, in] layout).</param>
    public static QuantizedWeight Quantize(ReadOnlySpan<float> weight, int n, int k)
    {
        var blocks = (k + BlockSize - 1) / BlockSize;
        var zeroPointBytesPerRow = (blocks + 1) / 2;
        var packed = new byte[(long)n * blocks * BlobBytes];
        var scales = new float[n * blocks];
        var zeroPoints = new byte[n * zeroPointBytesPerRow];
        Span<byte> codes = stackalloc byte[BlockSize];
        for (var row = 0; row < n; row++)
        {
            var rowValues = weight.Slice(row * k, k);
            for (var block = 0; block < blocks; block++)
            {
                var start = block * BlockSize;
                var length = Math.Min(BlockSize, k - start);
                var values = rowValues.Slice(start, length);
                // The range always includes 0 so that zero (and the padding of a short last block) is exact.
                float min = 0, max = 0;
                foreach (var v in values) { min = Math.Min(min, v); max = Math.Max(max, v); }
                var scale = (max - min) / 15f;
                if (scale == 0) scale = 1;
                var zeroPoint = (byte)Math.Clamp(MathF.Round(-min / scale), 0, 15);
                codes.Fill(zeroPoint);
                for (var i = 0; i < length; i++)
                    codes[i] = (byte)Math.Clamp(MathF.Round(values[i] / scale) + zeroPoint, 0, 15);
                var blob = packed.AsSpan((row * blocks + block) * BlobBytes, BlobBytes);
                for (var i = 0; i < BlobBytes; i++) blob[i] = (byte)(codes[2 * i] | (codes[2 * i + 1] << 4));
                scales[row * blocks + block] = scale;
                var zpIndex = row * zeroPointBytesPerRow + block / 2;
                zeroPoints[zpIndex] |= (byte)(block % 2 == 0 ? zeroPoint : zeroPoint << 4);
            }
        }
        return new QuantizedWeight(packed, scales, zeroPoints, n, k, blocks);
    }

    /// <summary>The [n, k] float weights a quantised weight stands for (what MatMulNBits multiplies by).</summary>
    public static float[] Dequantize(QuantizedWeight weight)
    {
        var result = new float[(long)weight.N * weight.K];
        var zeroPointBytesPerRow = (weight.BlocksPerRow + 1) / 2;
        for (var row = 0; row < weight.N; row++)
            for (var column = 0; column < weight.K; column++)
            {
                var block = column / BlockSize;
                var within = column % BlockSize;
                var packed = weight.Packed[(row * weight.BlocksPerRow + block) * BlobBytes + within / 2];
                var code = within % 2 == 0 ? packed & 0xF : packed >> 4;
                var zpByte = weight.ZeroPoints[row * zeroPointBytesPerRow + block / 2];
                var zeroPoint = block % 2 == 0 ? zpByte & 0xF : zpByte >> 4;
                result[(long)row * weight.K + column] = (code - zeroPoint) * weight.Scales[row * weight.BlocksPerRow + block];
            }
        return result;
    }
}
