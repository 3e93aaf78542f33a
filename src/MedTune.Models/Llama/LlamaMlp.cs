using MedTune.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace MedTune.Models;

/// <summary>SwiGLU feed-forward (Shazeer 2020): <c>down_proj(silu(gate_proj(x)) ⊙ up_proj(x))</c>.</summary>
public sealed class LlamaMlp : nn.Module<Tensor, Tensor>
{
    private readonly AdaptableLinear gate_proj;
    private readonly AdaptableLinear up_proj;
    private readonly AdaptableLinear down_proj;

    public LlamaMlp(ModelConfig config, ScalarType dtype) : base("mlp")
    {
        gate_proj = new AdaptableLinear(config.HiddenSize, config.IntermediateSize, config.MlpBias, "gate_proj", dtype);
        up_proj = new AdaptableLinear(config.HiddenSize, config.IntermediateSize, config.MlpBias, "up_proj", dtype);
        down_proj = new AdaptableLinear(config.IntermediateSize, config.HiddenSize, config.MlpBias, "down_proj", dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var gated = nn.functional.silu(gate_proj.forward(x)) * up_proj.forward(x);
        return down_proj.forward(gated).MoveToOuterDisposeScope();
    }
}
