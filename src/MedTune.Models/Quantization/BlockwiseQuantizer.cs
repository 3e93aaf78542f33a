using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace MedTune.Models.Quantization;

/// <summary>
/// bitsandbytes' block-wise 4-bit quantization (<c>quantize_4bit</c> / <c>dequantize_4bit</c>), reproduced exactly:
/// per block absmax = max|x|; each element x·(1/absmax) (float32) is coded by the kernels' decision tree
/// (a value on a midpoint takes the lower code); two codes per byte, first element in the high nibble.
/// Double quantization subtracts the mean of the absmax constants and codes them in bitsandbytes' dynamic 8-bit map,
/// in blocks of 256, with the binary search and midpoint rule of its <c>dQuantize</c>.
/// Quantization runs on the CPU in chunks (the source is never copied whole to float32); dequantization is a few
/// tensor operations on the weight's device, each rounding as the CUDA kernel's float arithmetic does.
/// </summary>
public static class BlockwiseQuantizer
{
    /// <summary>Fills <paramref name="destination"/> with the source's elements [start, start + destination.Length) as float32.</summary>
    public delegate void Float32Reader(long start, Span<float> destination);

    /// <summary>Elements converted to float32 at a time while quantizing (a multiple of every block size).</summary>
    private const int ChunkElements = 1 << 20;

    /// <summary>Quantizes <paramref name="weight"/> (any device; the result lives on the same device).</summary>
    public static QuantizedWeight Quantize(Tensor weight, QuantizationOptions options)
    {
        if (!weight.is_floating_point())
            throw new ArgumentException($"only floating-point tensors can be quantized (got {weight.dtype}).");
        Tensor source;
        using (NewDisposeScope()) source = weight.detach().contiguous().reshape(-1).MoveToOuterDisposeScope();
        using var _ = source;
        var result = Quantize(weight.shape, weight.dtype, options, (start, destination) =>
        {
            using var piece = source.narrow(0, start, destination.Length).to(ScalarType.Float32, CPU).contiguous();
            MemoryMarshal.Cast<byte, float>(piece.bytes).CopyTo(destination);
        });
        if (weight.device_type == DeviceType.CPU) return result;
        var moved = result.To(weight.device);
        result.Dispose();
        return moved;
    }

    /// <summary>
    /// Quantizes a weight of <paramref name="shape"/> read piece by piece: <paramref name="readFloat32"/>(start, destination)
    /// fills destination with elements [start, start + destination.Length) converted to float32. At most 2^20 elements
    /// are requested at a time, so the source never needs to exist whole in float32 (the loader reads from a memory map).
    /// The result lives on the CPU.
    /// </summary>
    public static QuantizedWeight Quantize(long[] shape, ScalarType originalDType, QuantizationOptions options, Float32Reader readFloat32)
    {
        options.Validate();
        var n = shape.Aggregate(1L, (a, b) => a * b);
        if (n == 0) throw new ArgumentException("cannot quantize an empty tensor.");
        var blockSize = options.BlockSize;
        var blocks = (n + blockSize - 1) / blockSize;

        var codes = zeros((n + 1) / 2, dtype: ScalarType.Byte);
        try
        {
            var absmax = new float[blocks];
            var codeBytes = codes.bytes;
            var buffer = new float[Math.Min(ChunkElements, n)];
            for (long start = 0; start < n; start += ChunkElements)
            {
                var count = (int)Math.Min(ChunkElements, n - start);
                readFloat32(start, buffer.AsSpan(0, count));
                QuantizeChunk(buffer.AsSpan(0, count), start, blockSize, options.Type, absmax, codeBytes);
            }
            if (n % 2 == 1)
            {
                // The last byte's low nibble is padding: bitsandbytes codes the value 0 (scaled by the last block's 1/absmax).
                var padding = 0f * (1.0f / absmax[^1]);
                var padCode = options.Type == QuantizationType.Nf4 ? Nf4Code(padding) : Fp4Code(padding);
                codeBytes[^1] = (byte)((codeBytes[^1] & 0xF0) | padCode);
            }
            return options.DoubleQuant
                ? new QuantizedWeight(options.Type, shape.ToArray(), blockSize, originalDType, codes, null, QuantizeAbsmax(absmax))
                : new QuantizedWeight(options.Type, shape.ToArray(), blockSize, originalDType, codes, FromFloats(absmax), null);
        }
        catch
        {
            codes.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The weight in <paramref name="dtype"/> (default: the dtype it was quantized from), on the codes' device: on the
    /// CPU in one parallel pass (<see cref="CpuDequantizer"/>), elsewhere by <see cref="DequantizeWithTensorOps"/>.
    /// Both give the same values bit for bit.
    /// </summary>
    public static Tensor Dequantize(QuantizedWeight weight, ScalarType? dtype = null)
    {
        if (!CpuDequantizer.Handles(weight)) return DequantizeWithTensorOps(weight, dtype);
        using var scope = NewDisposeScope();
        var absmax = weight.Nested is { } nested ? DequantizeAbsmax(nested, weight.BlockCount) : weight.Absmax!;
        return CpuDequantizer.Dequantize(weight, absmax, dtype ?? weight.OriginalDType).MoveToOuterDisposeScope();
    }

    /// <summary>Dequantization as a few tensor operations on the weight's device (CUDA, and the reference for the CPU pass).</summary>
    internal static Tensor DequantizeWithTensorOps(QuantizedWeight weight, ScalarType? dtype = null)
    {
        using var scope = NewDisposeScope();
        var n = weight.ElementCount;
        var device = weight.Device;
        var absmax = weight.Nested is { } nested ? DequantizeAbsmax(nested, weight.BlockCount) : weight.Absmax!;

        var book = tensor(weight.Type == QuantizationType.Nf4 ? CodeBooks.Nf4.ToArray() : CodeBooks.Fp4.ToArray(), device: device);
        var packed = weight.Codes;
        var unpacked = stack([packed.bitwise_right_shift(4), packed.bitwise_and(0x0F)], dim: 1).reshape(-1).to(ScalarType.Int64);
        var values = book.index_select(0, unpacked);
        var padded = weight.BlockCount * weight.BlockSize;
        values = values.shape[0] >= padded
            ? values.narrow(0, 0, padded)
            : nn.functional.pad(values, [0, padded - values.shape[0]]);
        var result = values.view(weight.BlockCount, weight.BlockSize).mul(absmax.unsqueeze(1)).view(-1);
        if (padded != n) result = result.narrow(0, 0, n);
        result = result.reshape(weight.Shape).to(dtype ?? weight.OriginalDType);
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>absmax = map[code]·scale (float32), then + offset (float32): bitsandbytes' two separate roundings.</summary>
    private static Tensor DequantizeAbsmax(NestedAbsmax nested, long blocks)
    {
        var map = tensor(CodeBooks.DynamicMap.ToArray(), device: nested.Codes.device);
        var values = map.index_select(0, nested.Codes.to(ScalarType.Int64));
        var scales = nested.Scales.repeat_interleave(QuantizationOptions.NestedBlockSize).narrow(0, 0, blocks);
        return values.mul(scales).add(nested.Offset);
    }

    private static void QuantizeChunk(ReadOnlySpan<float> values, long start, int blockSize, QuantizationType type, float[] absmax, Span<byte> codes)
    {
        for (var blockStart = 0; blockStart < values.Length; blockStart += blockSize)
        {
            var block = values.Slice(blockStart, Math.Min(blockSize, values.Length - blockStart));
            var max = 0f;
            foreach (var v in block) max = MathF.Max(max, MathF.Abs(v));
            var blockIndex = (start + blockStart) / blockSize;
            absmax[blockIndex] = max;
            var inverse = 1.0f / max;
            for (var i = 0; i < block.Length; i++)
            {
                var code = type == QuantizationType.Nf4 ? Nf4Code(block[i] * inverse) : Fp4Code(block[i] * inverse);
                var element = start + blockStart + i;
                ref var slot = ref codes[(int)(element / 2)];
                slot = (element & 1) == 0 ? (byte)((code << 4) | (slot & 0x0F)) : (byte)((slot & 0xF0) | code);
            }
        }
    }

    /// <summary>dQuantizeNF4: the number of pivots strictly below x.</summary>
    internal static byte Nf4Code(float x)
    {
        byte code = 0;
        foreach (var pivot in CodeBooks.Nf4Pivots) if (x > pivot) code++;
        return code;
    }

    /// <summary>dQuantizeFP4: sign bit from x &lt; 0, magnitude code from the pivots strictly below |x|.</summary>
    internal static byte Fp4Code(float x)
    {
        var sign = x < 0 ? 0b1000 : 0;
        var magnitude = MathF.Abs(x);
        var rank = 0;
        foreach (var pivot in CodeBooks.Fp4Pivots) if (magnitude > pivot) rank++;
        return (byte)(CodeBooks.Fp4RankToCode[rank] + sign);
    }

    private static NestedAbsmax QuantizeAbsmax(float[] absmax)
    {
        // offset = absmax.mean(): float32; here the exactly rounded mean (a float64 sum), see the report on this choice.
        var sum = 0.0;
        foreach (var a in absmax) sum += a;
        var offset = (float)(sum / absmax.Length);
        const int block = QuantizationOptions.NestedBlockSize;
        var map = CodeBooks.DynamicMap;
        var codes = new byte[absmax.Length];
        var scales = new float[(absmax.Length + block - 1) / block];
        var centred = new float[block];
        for (var b = 0; b < scales.Length; b++)
        {
            var count = Math.Min(block, absmax.Length - b * block);
            var max = 0f;
            for (var i = 0; i < count; i++)
            {
                centred[i] = absmax[b * block + i] - offset;
                max = MathF.Max(max, MathF.Abs(centred[i]));
            }
            scales[b] = max;
            var inverse = 1.0f / max;
            for (var i = 0; i < count; i++) codes[b * block + i] = DynamicCode(map, centred[i] * inverse);
        }
        return new NestedAbsmax(tensor(codes, dtype: ScalarType.Byte), FromFloats(scales), offset);
    }

    /// <summary>dQuantize&lt;0&gt;: binary search from pivot 127 in the sorted map, then the nearer neighbour by midpoint.</summary>
    internal static byte DynamicCode(ReadOnlySpan<float> map, float x)
    {
        int pivot = 127, upperPivot = 255, lowerPivot = 0;
        float lower = -1.0f, upper = 1.0f;
        var value = map[pivot];
        for (var step = 64; step > 0; step >>= 1)
        {
            if (x > value)
            {
                lowerPivot = pivot;
                lower = value;
                pivot += step;
            }
            else
            {
                upperPivot = pivot;
                upper = value;
                pivot -= step;
            }
            value = map[pivot];
        }
        if (upperPivot == 255) upper = map[upperPivot];
        if (lowerPivot == 0) lower = map[lowerPivot];
        if (x > value)
            return (byte)(x > (upper + value) * 0.5f ? upperPivot : pivot);
        return (byte)(x < (lower + value) * 0.5f ? lowerPivot : pivot);
    }

    private static Tensor FromFloats(float[] values) => tensor(values, dtype: ScalarType.Float32);
}
