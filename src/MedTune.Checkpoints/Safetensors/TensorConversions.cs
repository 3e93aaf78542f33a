using System.Runtime.InteropServices;

namespace MedTune.Checkpoints;

/// <summary>Conversions between the float encodings checkpoints use (little-endian throughout).</summary>
public static class TensorConversions
{
    /// <summary>Decodes F32/F16/BF16 bytes into <paramref name="destination"/> (exactly bytes / element size values).</summary>
    public static void ToFloat32(ReadOnlySpan<byte> bytes, TensorDType dtype, Span<float> destination)
    {
        switch (dtype)
        {
            case TensorDType.F32:
                MemoryMarshal.Cast<byte, float>(bytes).CopyTo(destination);
                break;
            case TensorDType.F16:
            {
                var halves = MemoryMarshal.Cast<byte, Half>(bytes);
                for (var i = 0; i < halves.Length; i++) destination[i] = (float)halves[i];
                break;
            }
            case TensorDType.BF16:
            {
                var raw = MemoryMarshal.Cast<byte, ushort>(bytes);
                for (var i = 0; i < raw.Length; i++) destination[i] = BitConverter.Int32BitsToSingle(raw[i] << 16);
                break;
            }
            default:
                throw new CheckpointException($"{dtype} is not a floating-point tensor type (F32, F16, BF16).");
        }
    }

    public static byte[] FromFloat32(ReadOnlySpan<float> values, TensorDType dtype)
    {
        switch (dtype)
        {
            case TensorDType.F32:
                return MemoryMarshal.AsBytes(values).ToArray();
            case TensorDType.F16:
            {
                var result = new Half[values.Length];
                for (var i = 0; i < values.Length; i++) result[i] = (Half)values[i];
                return MemoryMarshal.AsBytes(result.AsSpan()).ToArray();
            }
            case TensorDType.BF16:
            {
                var result = new ushort[values.Length];
                for (var i = 0; i < values.Length; i++) result[i] = ToBFloat16(values[i]);
                return MemoryMarshal.AsBytes(result.AsSpan()).ToArray();
            }
            default:
                throw new ArgumentException($"cannot encode floats as {dtype}");
        }
    }

    /// <summary>Round-to-nearest-even, as torch converts float32 to bfloat16; NaN stays NaN.</summary>
    public static ushort ToBFloat16(float value)
    {
        var bits = (uint)BitConverter.SingleToInt32Bits(value);
        if (float.IsNaN(value)) return (ushort)((bits >> 16) | 0x40);
        var rounding = 0x7FFFu + ((bits >> 16) & 1);
        return (ushort)((bits + rounding) >> 16);
    }
}
