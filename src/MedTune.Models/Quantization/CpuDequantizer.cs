using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace MedTune.Models.Quantization;

/// <summary>
/// <see cref="BlockwiseQuantizer.Dequantize"/> on the CPU in one pass, in parallel over blocks:
/// <c>w[e] = book[code(e)] · absmax[e / block]</c>, the CUDA kernel's single float32 multiply, written straight into
/// the result (float32, or bfloat16 rounded to nearest even as <c>c10::BFloat16</c> rounds; other dtypes via float32).
/// The generic tensor-op path it replaces on the CPU widens every code to int64 and makes five full-size temporaries
/// (about 16 bytes per weight at the peak), and libtorch runs its <c>index_select</c> on one core: at 7B that was most
/// of a QLoRA step. This one allocates the result only and uses every core. A dequantization is elementwise, so the
/// result does not depend on how the work is split.
/// </summary>
internal static class CpuDequantizer
{
    /// <summary>Elements per parallel work item (a multiple of every supported block size and even, so no byte is split).</summary>
    private const int ChunkBlocks = 4096;

    /// <summary>Whether the weight fits the one-pass path (its spans address at most 2 GB).</summary>
    public static bool Handles(QuantizedWeight weight) => weight.Device.type == DeviceType.CPU && weight.ElementCount * 4 <= int.MaxValue;

    public static Tensor Dequantize(QuantizedWeight weight, Tensor absmax, ScalarType dtype)
    {
        var n = weight.ElementCount;
        var book = weight.Type == QuantizationType.Nf4 ? CodeBooks.Nf4.ToArray() : CodeBooks.Fp4.ToArray();
        var scales = new float[weight.BlockCount];
        using (var contiguous = absmax.to(ScalarType.Float32).contiguous()) MemoryMarshal.Cast<byte, float>(contiguous.bytes).CopyTo(scales);

        var direct = dtype is ScalarType.Float32 or ScalarType.BFloat16;
        var result = empty(weight.Shape, dtype: direct ? dtype : ScalarType.Float32);
        using var codes = weight.Codes.contiguous();
        try
        {
            var blockSize = weight.BlockSize;
            var chunk = (long)ChunkBlocks * blockSize;
            var chunks = (int)((n + chunk - 1) / chunk);
            var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, get_num_threads()) };
            Parallel.For(0, chunks, options, c =>
            {
                var start = c * chunk;
                var count = (int)Math.Min(chunk, n - start);
                // Spans are re-read per work item: they cannot be captured, and the tensors' memory does not move.
                var packed = codes.bytes.Slice((int)(start / 2), (count + 1) / 2);
                if (result.dtype == ScalarType.Float32)
                    Decode<float, AsFloat32>(packed, book, scales, start, blockSize, MemoryMarshal.Cast<byte, float>(result.bytes).Slice((int)start, count));
                else
                    Decode<ushort, AsBFloat16>(packed, book, scales, start, blockSize, MemoryMarshal.Cast<byte, ushort>(result.bytes).Slice((int)start, count));
            });
            if (direct) return result;
            using (result) return result.to(dtype);
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>Decodes the blocks of one work item into <paramref name="output"/>, each value stored through <typeparamref name="TStore"/>.</summary>
    private static void Decode<T, TStore>(ReadOnlySpan<byte> packed, float[] book, float[] scales, long start, int blockSize, Span<T> output)
        where TStore : IStore<T>
    {
        for (var i = 0; i < output.Length; i += blockSize)
        {
            var scale = scales[(start + i) / blockSize];
            var end = Math.Min(i + blockSize, output.Length);
            for (var e = i; e < end; e += 2)
            {
                var b = packed[e >> 1];
                output[e] = TStore.Store(book[b >> 4] * scale);
                if (e + 1 < end) output[e + 1] = TStore.Store(book[b & 0x0F] * scale);
            }
        }
    }

    /// <summary>How a float32 value is stored in the result (a struct per dtype, so the JIT inlines it in <see cref="Decode"/>).</summary>
    private interface IStore<T>
    {
        static abstract T Store(float value);
    }

    private readonly struct AsFloat32 : IStore<float>
    {
        public static float Store(float value) => value;
    }

    private readonly struct AsBFloat16 : IStore<ushort>
    {
        public static ushort Store(float value) => ToBFloat16(value);
    }

    /// <summary>float32 → bfloat16 bits, rounding to nearest even (c10's <c>round_to_nearest_even</c>; NaN → 0x7FC0).</summary>
    internal static ushort ToBFloat16(float value)
    {
        if (float.IsNaN(value)) return 0x7FC0;
        var bits = BitConverter.SingleToUInt32Bits(value);
        return (ushort)((bits + 0x7FFFu + ((bits >> 16) & 1)) >> 16);
    }
}
