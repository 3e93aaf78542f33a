namespace MedTune.Checkpoints;

/// <summary>Element types a safetensors file may hold (the names are the format's own).</summary>
public enum TensorDType { F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL }

public static class TensorDTypes
{
    public static int ElementSize(this TensorDType dtype) => dtype switch
    {
        TensorDType.F64 or TensorDType.I64 => 8,
        TensorDType.F32 or TensorDType.I32 => 4,
        TensorDType.F16 or TensorDType.BF16 or TensorDType.I16 => 2,
        _ => 1,
    };

    /// <summary>Parses the format's dtype name exactly (Enum.TryParse alone would also accept numbers such as "2").</summary>
    public static bool TryParse(string name, out TensorDType dtype)
    {
        dtype = default;
        return Enum.GetNames<TensorDType>().Contains(name, StringComparer.Ordinal) && Enum.TryParse(name, out dtype);
    }

    public static bool IsFloatingPoint(this TensorDType dtype) => dtype is TensorDType.F32 or TensorDType.F16 or TensorDType.BF16;

    /// <summary>The dtype a config's <c>torch_dtype</c> names.</summary>
    public static TensorDType FromTorchDtype(string torchDtype) => torchDtype switch
    {
        "float32" => TensorDType.F32,
        "float16" => TensorDType.F16,
        "bfloat16" => TensorDType.BF16,
        _ => throw new CheckpointException($"torch_dtype '{torchDtype}' is not supported (float32, float16, bfloat16 are)."),
    };
}

/// <summary>Where one tensor lives inside a safetensors file (offsets relative to the data section).</summary>
public sealed record TensorInfo(string Name, TensorDType DType, long[] Shape, long Begin, long End)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
    public long ByteCount => End - Begin;
}

/// <summary>A tensor to be written: little-endian bytes in row-major order.</summary>
public sealed record NamedTensorData(string Name, TensorDType DType, long[] Shape, ReadOnlyMemory<byte> Data);
