using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MedTune.Models.Quantization;

/// <summary>
/// A frozen linear layer whose weight is stored in 4 bit (bitsandbytes' <c>Linear4bit</c>): each forward dequantizes
/// the weight to the compute dtype, casts the input to it, computes <c>x Wᵀ + b</c> and casts the result back to the
/// input's dtype. Nothing here is trainable; a LoRA branch is added outside, exactly as on a dense projection.
/// The 4-bit tensors are registered buffers, so <c>module.to(device)</c> moves them.
/// </summary>
public sealed class QuantizedLinear : nn.Module<Tensor, Tensor>
{
    // Buffers (registered by RegisterComponents; null ones are skipped).
    private Tensor codes;
    private Tensor? absmax;
    private Tensor? nested_codes;
    private Tensor? nested_scales;
    public Parameter? bias;

    private readonly QuantizationType _type;
    private readonly long[] _shape;
    private readonly int _blockSize;
    private readonly ScalarType _originalDType;
    private readonly float _nestedOffset;

    /// <summary>Takes ownership of <paramref name="weight"/>'s tensors.</summary>
    public QuantizedLinear(QuantizedWeight weight, ScalarType computeDType, Tensor? bias = null, string name = "quantized_linear") : base(name)
    {
        if (weight.Shape.Length != 2) throw new ArgumentException($"a linear weight is 2-D [out, in]; got [{string.Join(", ", weight.Shape)}].");
        if (computeDType is not (ScalarType.BFloat16 or ScalarType.Float16 or ScalarType.Float32))
            throw new ArgumentException($"compute dtype {computeDType} is not supported (bfloat16, float16, float32).");
        _type = weight.Type;
        _shape = weight.Shape;
        _blockSize = weight.BlockSize;
        _originalDType = weight.OriginalDType;
        ComputeDType = computeDType;
        codes = weight.Codes;
        absmax = weight.Absmax;
        nested_codes = weight.Nested?.Codes;
        nested_scales = weight.Nested?.Scales;
        _nestedOffset = weight.Nested?.Offset ?? 0f;
        this.bias = bias is null ? null : new Parameter(bias, requires_grad: false);
        RegisterComponents();
    }

    public ScalarType ComputeDType { get; }
    public long InFeatures => _shape[1];
    public long OutFeatures => _shape[0];
    public QuantizationType Type => _type;
    public int BlockSize => _blockSize;
    public bool DoubleQuant => nested_codes is not null;

    /// <summary>Bytes the 4-bit weight occupies (codes and constants).</summary>
    public long StorageBytes => View().StorageBytes;

    /// <summary>The weight dequantized to <paramref name="dtype"/> (default: the dtype it was quantized from).</summary>
    public Tensor DequantizedWeight(ScalarType? dtype = null) => BlockwiseQuantizer.Dequantize(View(), dtype ?? _originalDType);

    public override Tensor forward(Tensor input) => Project(input, bias);

    /// <summary>
    /// <c>input Wᵀ + bias</c> computed in the compute dtype, returned in the input's dtype. When the input needs a
    /// gradient (training), <see cref="MatMul4Bit"/> computes it by dequantizing again in the backward pass, so the
    /// dense weight lives only for the matmul.
    /// </summary>
    public Tensor Project(Tensor input, Tensor? bias) =>
        input.requires_grad && is_grad_enabled()
            ? MatMul4Bit.apply(input, this, new MatMul4Bit.BiasBox(bias))
            : ProjectWithoutGrad(input, bias);

    /// <summary>The forward arithmetic of <see cref="Project"/>, without recording it for autograd's sake.</summary>
    internal Tensor ProjectWithoutGrad(Tensor input, Tensor? bias)
    {
        using var scope = NewDisposeScope();
        var weight = BlockwiseQuantizer.Dequantize(View(), ComputeDType);
        var x = input.dtype == ComputeDType ? input : input.to_type(ComputeDType);
        var b = bias is null ? null : bias.dtype == ComputeDType ? bias : bias.to_type(ComputeDType);
        var output = nn.functional.linear(x, weight, b);
        if (output.dtype != input.dtype) output = output.to_type(input.dtype);
        return output.MoveToOuterDisposeScope();
    }

    /// <summary>A non-owning view of the current buffers (they are replaced when the module moves device).</summary>
    private QuantizedWeight View() => QuantizedWeight.View(_type, _shape, _blockSize, _originalDType, codes, absmax,
        nested_codes is null ? null : new NestedAbsmax(nested_codes, nested_scales!, _nestedOffset));
}
