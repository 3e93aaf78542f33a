using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MedTune.Models;

/// <summary>
/// Root-mean-square normalisation (Zhang &amp; Sennrich 2019) as Llama uses it:
/// <c>weight · x / sqrt(mean(x²) + eps)</c>, computed in float32 and cast back (TorchSharp 0.107 has no RMSNorm module).
/// </summary>
public sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    public Parameter weight;
    private readonly double _eps;

    public RmsNorm(long size, double eps, ScalarType dtype, string name = "rms_norm") : base(name)
    {
        weight = new Parameter(ones(size, dtype), requires_grad: false);
        _eps = eps;
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = input.to_type(ScalarType.Float32);
        var meanSquare = x.pow(2).mean([-1], keepdim: true);
        var normalised = x * (meanSquare + _eps).rsqrt();
        return (weight * normalised.to_type(input.dtype)).MoveToOuterDisposeScope();
    }
}
