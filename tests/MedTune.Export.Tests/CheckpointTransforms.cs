using System.Runtime.InteropServices;
using MedTune.Checkpoints;

namespace MedTune.Export.Tests;

/// <summary>Copies of checkpoints with transformed weights.</summary>
public static class CheckpointTransforms
{
    /// <summary>Writes <paramref name="source"/>'s checkpoint to <paramref name="destination"/> with every 2-D weight but the embedding replaced by <paramref name="transform"/>(values, rows, columns).</summary>
    public static void MapLinearWeights(string source, string destination, Func<float[], int, int, float[]> transform)
    {
        Directory.CreateDirectory(destination);
        File.Copy(Path.Combine(source, "config.json"), Path.Combine(destination, "config.json"), overwrite: true);
        using var weights = CheckpointWeights.Open(source);
        var tensors = weights.Names.Order(StringComparer.Ordinal).Select(name =>
        {
            var info = weights.Info(name);
            var values = weights.ReadFloat32(name);
            if (info.Shape.Length == 2 && !name.Contains("embed_tokens") && !name.Contains("embed_in"))
                values = transform(values, (int)info.Shape[0], (int)info.Shape[1]);
            return new NamedTensorData(name, TensorDType.F32, info.Shape, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
        }).ToList();
        SafetensorsWriter.Write(Path.Combine(destination, CheckpointWeights.SingleFileName), tensors);
    }

    /// <summary>Writes a copy of the checkpoint without tensor <paramref name="name"/>.</summary>
    public static void Drop(string source, string destination, string name)
    {
        Directory.CreateDirectory(destination);
        File.Copy(Path.Combine(source, "config.json"), Path.Combine(destination, "config.json"), overwrite: true);
        using var weights = CheckpointWeights.Open(source);
        var tensors = weights.Names.Where(n => n != name).Order(StringComparer.Ordinal)
            .Select(n => new NamedTensorData(n, weights.Info(n).DType, weights.Info(n).Shape, weights.ReadBytes(n))).ToList();
        SafetensorsWriter.Write(Path.Combine(destination, CheckpointWeights.SingleFileName), tensors);
    }
}
