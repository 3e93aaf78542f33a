using MedTune.Models.Quantization;
using static TorchSharp.torch;

namespace MedTune.Models.Tests.Quantization;

/// <summary>
/// The 4-bit projection's own backward (<see cref="MatMul4Bit"/>: dequantize again instead of keeping the dense weight)
/// against autograd's through <c>linear(x, dequantize(W), b)</c>: the same output and the same input gradient, bit for
/// bit, for every compute dtype, with and without a bias, for 2-D and 3-D inputs.
/// </summary>
public sealed class MatMul4BitTests
{
    [Theory]
    [InlineData(ScalarType.Float32, false, false)]
    [InlineData(ScalarType.Float32, true, true)]
    [InlineData(ScalarType.BFloat16, true, true)]
    [InlineData(ScalarType.Float16, false, true)]
    public void Gradients_equal_autograds_through_the_dense_weight(ScalarType computeDType, bool withBias, bool batched)
    {
        using var scope = NewDisposeScope();
        var generator = new TorchSharp.torch.Generator(7);
        var dense = randn([48, 96], generator: generator);
        var bias = withBias ? randn([48], generator: generator) : null;
        using var layer = new QuantizedLinear(BlockwiseQuantizer.Quantize(dense, new QuantizationOptions(QuantizationType.Nf4, DoubleQuant: true)), computeDType, bias?.clone());
        long[] shape = batched ? [2, 5, 96] : [5, 96];
        var input = randn(shape, generator: generator);
        var upstream = randn(batched ? [2, 5, 48] : [5, 48], generator: generator);

        var ours = input.detach().requires_grad_(true);
        var outputOurs = layer.Project(ours, layer.bias);
        (outputOurs * upstream).sum().backward();

        var theirs = input.detach().requires_grad_(true);
        var weight = layer.DequantizedWeight(computeDType);
        var b = layer.bias is null ? null : layer.bias.to_type(computeDType);
        var outputTheirs = nn.functional.linear(theirs.to_type(computeDType), weight, b).to_type(ScalarType.Float32);
        (outputTheirs * upstream).sum().backward();

        Assert.True(outputOurs.requires_grad);
        Assert.True(outputOurs.eq(outputTheirs).all().item<bool>(), "forward differs");
        Assert.True(ours.grad!.eq(theirs.grad!).all().item<bool>(), $"input gradient differs: max |Δ| {(ours.grad! - theirs.grad!).abs().max().item<float>()}");
    }

    [Fact]
    public void The_backward_pass_dequantizes_again_instead_of_keeping_the_dense_weight()
    {
        // Swap the 4-bit buffers between forward and backward: a saved dense weight would still give the old gradient.
        using var scope = NewDisposeScope();
        var options = new QuantizationOptions(QuantizationType.Nf4);
        using var layer = new QuantizedLinear(BlockwiseQuantizer.Quantize(randn(16, 64), options), ScalarType.Float32);
        var oldWeight = layer.DequantizedWeight(ScalarType.Float32);
        using var replacement = new QuantizedLinear(BlockwiseQuantizer.Quantize(randn(16, 64), options), ScalarType.Float32);
        var input = randn(3, 64).requires_grad_(true);
        var upstream = randn(3, 16);

        var output = layer.Project(input, null);
        using (no_grad())
            foreach (var ((_, mine), (_, theirs)) in layer.named_buffers().Zip(replacement.named_buffers()))
                mine.copy_(theirs);
        (output * upstream).sum().backward();

        var newWeight = replacement.DequantizedWeight(ScalarType.Float32);
        Assert.True(input.grad!.eq(upstream.matmul(newWeight)).all().item<bool>());
        Assert.False(input.grad!.eq(upstream.matmul(oldWeight)).all().item<bool>());
    }

    [Fact]
    public void Without_a_gradient_nothing_is_recorded()
    {
        using var scope = NewDisposeScope();
        using var layer = new QuantizedLinear(BlockwiseQuantizer.Quantize(randn(16, 64), new QuantizationOptions(QuantizationType.Nf4)), ScalarType.Float32);
        Assert.False(layer.Project(randn(3, 64), null).requires_grad);
        using (no_grad())
            Assert.False(layer.Project(randn(3, 64).requires_grad_(true), null).requires_grad);
    }
}
