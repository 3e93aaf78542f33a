using MedTune.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace MedTune.Models;

/// <summary>Between safetensors dtypes, torch scalar types and config.json's torch_dtype names.</summary>
internal static class TensorTypes
{
    public static ScalarType ToScalarType(this TensorDType dtype) => dtype switch
    {
        TensorDType.F32 => ScalarType.Float32,
        TensorDType.F16 => ScalarType.Float16,
        TensorDType.BF16 => ScalarType.BFloat16,
        _ => throw new CheckpointException($"{dtype} tensors cannot be model parameters (F32, F16, BF16 can)."),
    };

    public static long ElementSize(this ScalarType type) => type switch
    {
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
        ScalarType.Int8 or ScalarType.Byte or ScalarType.Bool => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unsupported element type"),
    };

    /// <summary>Largest span handed to or taken from a tensor at once (spans are indexed by int).</summary>
    private const long ChunkBytes = 1L << 28;

    /// <summary>
    /// Visits the raw bytes of a contiguous CPU tensor in chunks of at most 256 MiB:
    /// <paramref name="visit"/>(byte offset, span over the tensor's own memory).
    /// </summary>
    public static void ForEachByteChunk(Tensor tensor, Action<long, Span<byte>> visit)
    {
        if (!tensor.is_contiguous() || tensor.device_type != DeviceType.CPU)
            throw new ArgumentException("tensor must be contiguous and on the CPU");
        var elementSize = tensor.dtype.ElementSize();
        var chunkElements = ChunkBytes / elementSize;
        using var flat = tensor.view(-1);
        var total = flat.shape[0];
        for (long start = 0; start < total; start += chunkElements)
        {
            using var piece = flat.narrow(0, start, Math.Min(chunkElements, total - start));
            visit(start * elementSize, piece.bytes);
        }
    }
}
