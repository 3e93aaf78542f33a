using MedTune.Models.Quantization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MedTune.Models;

/// <summary>
/// A linear projection <c>y = x Wᵀ + b</c> whose parameters carry the Hugging Face names (<c>weight</c>, <c>bias</c>),
/// with an optional <see cref="Adapter"/> whose output is added: the attachment point for LoRA
/// (<c>y = W x + b + adapter(x)</c>), so the model code never needs to know about fine-tuning.
/// The weight is either dense (<c>weight</c>) or, after <see cref="UseQuantizedWeight"/>, a 4-bit
/// <see cref="QuantizedLinear"/> (the layer strategy for QLoRA); the bias stays here under its own name.
/// The weights start uninitialised (they are always loaded or generated), and frozen.
/// </summary>
public sealed class AdaptableLinear : nn.Module<Tensor, Tensor>
{
    public Parameter weight;
    public Parameter? bias;
    private QuantizedLinear? quantized;
    private nn.Module<Tensor, Tensor>? adapter;

    public AdaptableLinear(long inFeatures, long outFeatures, bool hasBias, string name = "linear", ScalarType dtype = ScalarType.Float32) : base(name)
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        weight = new Parameter(empty(outFeatures, inFeatures, dtype), requires_grad: false);
        bias = hasBias ? new Parameter(zeros(outFeatures, dtype), requires_grad: false) : null;
        RegisterComponents();
    }

    public long InFeatures { get; }
    public long OutFeatures { get; }

    /// <summary>The 4-bit weight, when the projection is quantized (then <c>weight</c> is an empty placeholder).</summary>
    public QuantizedLinear? Quantized => quantized;
    public bool IsQuantized => quantized is not null;

    /// <summary>Where the projection's weight lives.</summary>
    public Device Device => bias?.device ?? (quantized is null ? weight.device : quantized.buffers().First().device);

    /// <summary>
    /// Replaces the dense weight with a 4-bit one (taking ownership of <paramref name="quantizedWeight"/>); the dense
    /// parameter is released and <c>weight</c> no longer appears among the parameters.
    /// </summary>
    public void UseQuantizedWeight(QuantizedWeight quantizedWeight, ScalarType computeDType)
    {
        if (quantizedWeight.Shape.Length != 2 || quantizedWeight.Shape[0] != OutFeatures || quantizedWeight.Shape[1] != InFeatures)
            throw new ArgumentException($"{GetName()}: quantized weight has shape [{string.Join(", ", quantizedWeight.Shape)}], the projection is [{OutFeatures}, {InFeatures}].");
        if (quantized is not null) throw new InvalidOperationException($"{GetName()} is already quantized.");
        quantized = new QuantizedLinear(quantizedWeight, computeDType);
        register_module("quantized", quantized);
        _internal_params.Remove("weight");
        var dense = weight;
        weight = new Parameter(empty(0, dtype: dense.dtype, device: dense.device), requires_grad: false);
        dense.Dispose();
    }

    /// <summary>A module added to the projection's output (e.g. a LoRA branch); registered as submodule <c>adapter</c>.</summary>
    public nn.Module<Tensor, Tensor>? Adapter
    {
        get => adapter;
        set
        {
            adapter = value;
            if (value is null) _internal_submodules.Remove("adapter");
            else register_module("adapter", value);
        }
    }

    public override Tensor forward(Tensor input)
    {
        var output = quantized is null ? nn.functional.linear(input, weight, bias) : quantized.Project(input, bias);
        // Out of place: an in-place add would make autograd save a tensor it then sees modified.
        return adapter is null ? output : output + adapter.call(input);
    }
}
