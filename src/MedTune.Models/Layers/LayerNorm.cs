using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MedTune.Models;

/// <summary>Layer normalisation (Ba et al. 2016) with HF parameter names <c>weight</c> and <c>bias</c>.</summary>
public sealed class LayerNorm : nn.Module<Tensor, Tensor>
{
    public Parameter weight;
    public Parameter bias;
    private readonly double _eps;

    public LayerNorm(long size, double eps, ScalarType dtype, string name = "layer_norm") : base(name)
    {
        weight = new Parameter(ones(size, dtype), requires_grad: false);
        bias = new Parameter(zeros(size, dtype), requires_grad: false);
        _eps = eps;
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) =>
        nn.functional.layer_norm(input, [weight.shape[0]], weight, bias, _eps);
}
