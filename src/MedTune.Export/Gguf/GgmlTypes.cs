using System.Buffers.Binary;

namespace MedTune.Export.Gguf;

/// <summary>Tensor storage types of ggml (<c>ggml_type</c>) that medtune writes.</summary>
public enum GgmlType : uint
{
    F32 = 0,
    F16 = 1,
    /// <summary>Blocks of 32 values: one float16 scale d = max|x|/127, then 32 int8 quants round(x/d).</summary>
    Q8_0 = 8,
}

/// <summary>Byte sizes and encoders of <see cref="GgmlType"/>, bit-exact with ggml's reference quantiser (quantize_row_q8_0_ref).</summary>
public static class GgmlTypes
{
    public const int Q8BlockSize = 32;
    private const int Q8BlockBytes = 2 + Q8BlockSize;

    public static long ByteCount(GgmlType type, long elements) => type switch
    {
        GgmlType.F32 => elements * 4,
        GgmlType.F16 => elements * 2,
        GgmlType.Q8_0 => elements / Q8BlockSize * Q8BlockBytes,
        _ => throw new NotSupportedException($"ggml type {type}"),
    };

    /// <summary>True when rows of <paramref name="rowLength"/> values can be stored as <paramref name="type"/>.</summary>
    public static bool Fits(GgmlType type, long rowLength) => type != GgmlType.Q8_0 || rowLength % Q8BlockSize == 0;

    public static byte[] Encode(GgmlType type, float[] values, long rowLength)
    {
        if (!Fits(type, rowLength)) throw new ArgumentException($"rows of {rowLength} values cannot be stored as {type} (blocks of {Q8BlockSize}).");
        var bytes = new byte[ByteCount(type, values.LongLength)];
        switch (type)
        {
            case GgmlType.F32:
                for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
                break;
            case GgmlType.F16:
                for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteHalfLittleEndian(bytes.AsSpan(i * 2), (Half)values[i]);
                break;
            case GgmlType.Q8_0:
                for (var block = 0; block < values.Length / Q8BlockSize; block++)
                    QuantizeQ8Block(values.AsSpan(block * Q8BlockSize, Q8BlockSize), bytes.AsSpan(block * Q8BlockBytes, Q8BlockBytes));
                break;
        }
        return bytes;
    }

    private static void QuantizeQ8Block(ReadOnlySpan<float> x, Span<byte> output)
    {
        var amax = 0f;
        foreach (var v in x) amax = Math.Max(amax, Math.Abs(v));
        var d = amax / 127f;
        var id = d != 0 ? 1f / d : 0f;
        BinaryPrimitives.WriteHalfLittleEndian(output, (Half)d);
        for (var j = 0; j < Q8BlockSize; j++)
            output[2 + j] = unchecked((byte)(sbyte)MathF.Round(x[j] * id, MidpointRounding.AwayFromZero));
    }

    /// <summary>Values of a Q8_0 tensor (for tests and agreement figures).</summary>
    public static float[] DecodeQ8(ReadOnlySpan<byte> bytes)
    {
        var blocks = bytes.Length / Q8BlockBytes;
        var values = new float[blocks * Q8BlockSize];
        for (var b = 0; b < blocks; b++)
        {
            var block = bytes.Slice(b * Q8BlockBytes, Q8BlockBytes);
            var d = (float)BinaryPrimitives.ReadHalfLittleEndian(block);
            for (var j = 0; j < Q8BlockSize; j++) values[b * Q8BlockSize + j] = d * (sbyte)block[2 + j];
        }
        return values;
    }
}
