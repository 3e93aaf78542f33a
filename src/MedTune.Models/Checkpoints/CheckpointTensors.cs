using MedTune.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace MedTune.Models;

/// <summary>One checkpoint tensor at a time between safetensors bytes and TorchSharp tensors (for stages that stream a model).</summary>
public static class CheckpointTensors
{
    /// <summary>A CPU tensor of <paramref name="name"/> in the file's dtype, read straight into the tensor's memory.</summary>
    public static Tensor Read(CheckpointWeights weights, string name)
    {
        var info = weights.Info(name);
        var tensor = empty(info.Shape, info.DType.ToScalarType());
        TensorTypes.ForEachByteChunk(tensor, (offset, span) => weights.CopyBytes(name, offset, span));
        return tensor;
    }

    /// <summary>Writes <paramref name="tensor"/> converted to <paramref name="dtype"/> as little-endian row-major bytes.</summary>
    public static void Write(Tensor tensor, TensorDType dtype, Stream stream)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var converted = tensor.detach().cpu().to_type(dtype.ToScalarType()).contiguous();
        TensorTypes.ForEachByteChunk(converted, (_, span) => stream.Write(span));
    }

    /// <summary>The torch scalar type of a safetensors dtype (F32, F16, BF16).</summary>
    public static ScalarType ScalarTypeOf(TensorDType dtype) => dtype.ToScalarType();

    /// <summary>Copies a tensor's bytes unchanged from the checkpoint to <paramref name="stream"/>, in 64 MiB pieces.</summary>
    public static void CopyRaw(CheckpointWeights weights, string name, Stream stream)
    {
        var total = weights.Info(name).ByteCount;
        var buffer = new byte[(int)Math.Min(total, 64L << 20)];
        for (long offset = 0; offset < total; offset += buffer.Length)
        {
            var span = buffer.AsSpan(0, (int)Math.Min(buffer.Length, total - offset));
            weights.CopyBytes(name, offset, span);
            stream.Write(span);
        }
    }
}
