using MedTune.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace MedTune.Models;

/// <summary>GPT-NeoX feed-forward: <c>dense_4h_to_h(gelu(dense_h_to_4h(x)))</c>.</summary>
public sealed class GptNeoXMlp : nn.Module<Tensor, Tensor>
{
    private readonly AdaptableLinear dense_h_to_4h;
    private readonly AdaptableLinear dense_4h_to_h;
    private readonly TorchSharp.Modules.GELU.Approximate _gelu;

    public GptNeoXMlp(ModelConfig config, ScalarType dtype) : base("mlp")
    {
        dense_h_to_4h = new AdaptableLinear(config.HiddenSize, config.IntermediateSize, hasBias: true, "dense_h_to_4h", dtype);
        dense_4h_to_h = new AdaptableLinear(config.IntermediateSize, config.HiddenSize, hasBias: true, "dense_4h_to_h", dtype);
        // HF "gelu" is the exact erf form; gelu_new, gelu_fast and gelu_pytorch_tanh are the tanh approximation.
        _gelu = config.HiddenAct == "gelu" ? TorchSharp.Modules.GELU.Approximate.none : TorchSharp.Modules.GELU.Approximate.tanh;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var activated = nn.functional.gelu(dense_h_to_4h.forward(x), _gelu);
        return dense_4h_to_h.forward(activated).MoveToOuterDisposeScope();
    }
}
