using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MedTune.Models;

/// <summary>
/// A linear projection <c>y = x Wᵀ + b</c> whose parameters carry the Hugging Face names (<c>weight</c>, <c>bias</c>),
/// with an optional <see cref="Adapter"/> whose output is added: the attachment point for LoRA
/// (<c>y = W x + b + adapter(x)</c>), so the model code never needs to know about fine-tuning.
/// The weights start uninitialised (they are always loaded or generated), and frozen.
/// </summary>
public sealed class AdaptableLinear : nn.Module<Tensor, Tensor>
{
    public Parameter weight;
    public Parameter? bias;
    private nn.Module<Tensor, Tensor>? adapter;

    public AdaptableLinear(long inFeatures, long outFeatures, bool hasBias, string name = "linear", ScalarType dtype = ScalarType.Float32) : base(name)
    {
        weight = new Parameter(empty(outFeatures, inFeatures, dtype), requires_grad: false);
        bias = hasBias ? new Parameter(zeros(outFeatures, dtype), requires_grad: false) : null;
        RegisterComponents();
    }

    public long InFeatures => weight.shape[1];
    public long OutFeatures => weight.shape[0];

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
        var output = nn.functional.linear(input, weight, bias);
        // Out of place: an in-place add would make autograd save a tensor it then sees modified.
        return adapter is null ? output : output + adapter.call(input);
    }
}
