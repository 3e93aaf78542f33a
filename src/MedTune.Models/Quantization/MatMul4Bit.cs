using static TorchSharp.torch;

namespace MedTune.Models.Quantization;

/// <summary>
/// <c>y = x · dequantize(W)ᵀ + b</c> for a frozen 4-bit weight, as bitsandbytes' <c>MatMul4Bit</c>: the backward pass
/// dequantizes <c>W</c> again for <c>∂L/∂x = ∂L/∂y · dequantize(W)</c> instead of autograd keeping the dense copy of
/// every projection from the forward pass to the backward pass (2 bytes per base parameter in bfloat16, four times the
/// 4-bit base itself). Nothing is saved but the layer; <c>W</c> and <c>b</c> get no gradient (they are frozen).
/// The arithmetic is autograd's for <c>linear</c>, so the gradients are the same bit for bit.
/// </summary>
internal sealed class MatMul4Bit : autograd.SingleTensorFunction<MatMul4Bit>
{
    public override string Name => nameof(MatMul4Bit);

    /// <param name="vars"><c>(Tensor x, QuantizedLinear layer, Tensor? bias)</c>; the bias is passed as an object so it is not a graph input.</param>
    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var (input, layer, bias) = ((Tensor)vars[0], (QuantizedLinear)vars[1], (BiasBox)vars[2]);
        ctx.save_data("layer", layer);
        ctx.save_data("input_dtype", input.dtype);
        return layer.ProjectWithoutGrad(input, bias.Value);
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        var layer = (QuantizedLinear)ctx.get_data("layer");
        var inputDType = (ScalarType)ctx.get_data("input_dtype");
        using var scope = NewDisposeScope();
        var weight = layer.DequantizedWeight(layer.ComputeDType);
        var grad = grad_output.dtype == layer.ComputeDType ? grad_output : grad_output.to_type(layer.ComputeDType);
        var gradInput = grad.matmul(weight);
        if (gradInput.dtype != inputDType) gradInput = gradInput.to_type(inputDType);
        // TorchSharp's wrapper of the engine's gradient sits in the caller's dispose scope (the training step's, without
        // checkpointing) and would keep the gradient alive to the end of the backward pass; the engine has its own reference.
        grad_output.Dispose();
        return [gradInput.MoveToOuterDisposeScope(), null!, null!]; // one per argument of apply: the layer and bias get none
    }

    /// <summary>Carries the (frozen) bias through <c>apply</c> without making it an input of the graph.</summary>
    internal sealed record BiasBox(Tensor? Value);
}
