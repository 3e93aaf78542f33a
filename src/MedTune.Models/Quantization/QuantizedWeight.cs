using static TorchSharp.torch;

namespace MedTune.Models.Quantization;

/// <summary>
/// A weight in bitsandbytes' 4-bit layout: the flattened (row-major) tensor cut into blocks of <see cref="BlockSize"/>,
/// one absmax per block, two 4-bit codes per byte with the first element in the high nibble
/// (bitsandbytes' <c>Params4bit</c> data plus its <c>QuantState</c>).
/// Without double quantization the absmax constants are float32 (<see cref="Absmax"/>); with it they are
/// <see cref="NestedAbsmax"/>: 8-bit codes of (absmax − offset) in the dynamic map, one float32 scale per 256 constants.
/// Owns its tensors.
/// </summary>
public sealed class QuantizedWeight : IDisposable
{
    private readonly bool _ownsTensors;

    internal QuantizedWeight(QuantizationType type, long[] shape, int blockSize, ScalarType originalDType, Tensor codes, Tensor? absmax, NestedAbsmax? nested, bool ownsTensors = true)
    {
        _ownsTensors = ownsTensors;
        if ((absmax is null) == (nested is null)) throw new ArgumentException("exactly one of absmax and nested absmax is needed");
        Type = type;
        Shape = shape;
        BlockSize = blockSize;
        OriginalDType = originalDType;
        Codes = codes;
        Absmax = absmax;
        Nested = nested;
        if (ownsTensors)
        {
            // The weight owns its tensors: they must outlive any dispose scope active where it was made.
            codes.DetachFromDisposeScope();
            absmax?.DetachFromDisposeScope();
            nested?.Codes.DetachFromDisposeScope();
            nested?.Scales.DetachFromDisposeScope();
        }
    }

    public QuantizationType Type { get; }
    /// <summary>Shape of the original weight, e.g. [out_features, in_features].</summary>
    public long[] Shape { get; }
    public int BlockSize { get; }
    /// <summary>dtype of the tensor that was quantized (bitsandbytes' <c>quant_state.dtype</c>).</summary>
    public ScalarType OriginalDType { get; }
    /// <summary>uint8 [ceil(n/2)]: element 2k in the high nibble, 2k+1 in the low nibble.</summary>
    public Tensor Codes { get; }
    /// <summary>float32 [blocks], without double quantization.</summary>
    public Tensor? Absmax { get; }
    /// <summary>The 8-bit absmax constants, with double quantization.</summary>
    public NestedAbsmax? Nested { get; }

    public bool DoubleQuant => Nested is not null;
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
    public long BlockCount => (ElementCount + BlockSize - 1) / BlockSize;

    /// <summary>Bytes held: codes and absmax (and the nested scales and offset).</summary>
    public long StorageBytes => Codes.NumberOfElements + (Absmax?.NumberOfElements * 4 ?? 0) +
                                (Nested is { } n ? n.Codes.NumberOfElements + n.Scales.NumberOfElements * 4 + 4 : 0);

    public Device Device => Codes.device;

    /// <summary>A copy on <paramref name="device"/> (this one is left as it is).</summary>
    public QuantizedWeight To(Device device) => new(Type, Shape, BlockSize, OriginalDType, Codes.to(device),
        Absmax?.to(device), Nested is { } n ? new NestedAbsmax(n.Codes.to(device), n.Scales.to(device), n.Offset) : null);

    /// <summary>A weight over tensors someone else owns (disposing it disposes nothing).</summary>
    internal static QuantizedWeight View(QuantizationType type, long[] shape, int blockSize, ScalarType originalDType, Tensor codes, Tensor? absmax, NestedAbsmax? nested) =>
        new(type, shape, blockSize, originalDType, codes, absmax, nested, ownsTensors: false);

    public void Dispose()
    {
        if (!_ownsTensors) return;
        Codes.Dispose();
        Absmax?.Dispose();
        Nested?.Dispose();
    }
}

/// <summary>
/// Double quantization's absmax: uint8 <see cref="Codes"/> [blocks] in <see cref="CodeBooks.DynamicMap"/>, float32
/// <see cref="Scales"/> [ceil(blocks/256)] (bitsandbytes' <c>state2.absmax</c>) and the mean <see cref="Offset"/> that was
/// subtracted first: absmax = map[code] · scale + offset.
/// </summary>
public sealed class NestedAbsmax(Tensor codes, Tensor scales, float offset) : IDisposable
{
    public Tensor Codes { get; } = codes;
    public Tensor Scales { get; } = scales;
    public float Offset { get; } = offset;

    public void Dispose()
    {
        Codes.Dispose();
        Scales.Dispose();
    }
}
