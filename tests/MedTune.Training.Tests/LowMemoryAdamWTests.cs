using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MedTune.Training.Tests;

public sealed class LowMemoryAdamWTests
{
    [Fact]
    public void Updates_parameters_and_moments_bit_for_bit_as_TorchSharps_AdamW()
    {
        using var generator = new Generator(3);
        var shapes = new long[][] { [8, 5], [5, 8], [13] };
        var initial = shapes.Select(s => randn(s, generator: generator)).ToList();
        var grads = Enumerable.Range(0, 4).Select(_ => shapes.Select(s => randn(s, generator: generator)).ToList()).ToList();

        var reference = initial.Select(t => new Parameter(t.clone())).ToList();
        var ours = initial.Select(t => new Parameter(t.clone())).ToList();
        using var torchSharp = new AdamW(reference, lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0.01);
        using var lowMemory = new LowMemoryAdamW(ours, lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01);
        foreach (var step in grads)
        {
            for (var i = 0; i < shapes.Length; i++)
            {
                reference[i].grad = step[i].clone();
                ours[i].grad = step[i].clone();
            }
            torchSharp.step();
            lowMemory.step();
        }

        for (var i = 0; i < shapes.Length; i++)
            Assert.True(reference[i].bytes.SequenceEqual(ours[i].bytes), $"parameter {i} differs from TorchSharp's AdamW");
        var expectedStates = torchSharp.state_dict().State.Cast<AdamW.State>().ToList();
        var actualStates = lowMemory.state_dict().State.Cast<AdamW.State>().ToList();
        for (var i = 0; i < shapes.Length; i++)
        {
            Assert.Equal(expectedStates[i].step, actualStates[i].step);
            Assert.True(expectedStates[i].exp_avg.bytes.SequenceEqual(actualStates[i].exp_avg.bytes), $"exp_avg {i} differs");
            Assert.True(expectedStates[i].exp_avg_sq.bytes.SequenceEqual(actualStates[i].exp_avg_sq.bytes), $"exp_avg_sq {i} differs");
        }
    }

    [Fact]
    public void Parameters_without_a_gradient_are_left_alone()
    {
        using var parameter = new Parameter(ones(4));
        using var optimizer = new LowMemoryAdamW([parameter], lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1);
        optimizer.step();
        Assert.Equal(0, optimizer.state_dict().State.Cast<AdamW.State>().Single().step);
        Assert.True(parameter.bytes.SequenceEqual(ones(4).bytes));
    }
}
