using TorchSharp;
using static TorchSharp.torch;

namespace MedTune.Models;

/// <summary>
/// Activation (gradient) checkpointing for decoder layers: the forward pass runs each layer without keeping its
/// intermediate activations (only the layer's input), and the backward pass runs the layer again with autograd on and
/// back-propagates through that recomputation — torch.utils.checkpoint's reentrant variant, built on TorchSharp's custom
/// autograd function. Generators that layers draw from (LoRA dropout) are rewound for the recomputation, so it sees the
/// same dropout masks and the gradients equal those of the ordinary backward pass.
/// </summary>
public sealed class ActivationCheckpointing(IReadOnlyList<Generator>? preservedGenerators = null)
{
    /// <summary>Generators whose state is replayed for the recomputation (restored to where they were afterwards).</summary>
    public IReadOnlyList<Generator> PreservedGenerators { get; } = preservedGenerators ?? [];

    private readonly List<Tensor> _kept = [];

    /// <summary>
    /// The input gradient the last recomputed layer handed to the autograd engine. TorchSharp wraps every gradient that
    /// crosses a custom function in a managed tensor registered in the dispose scope active during <c>backward()</c>
    /// (the training step's), so without this each layer's incoming and outgoing gradient and its saved input
    /// (3 × tokens × hidden values) stayed alive until the whole backward pass ended: 0.8 GB by the end of it at 7B with
    /// batch 1 × 512 in float32, 8 GB at 70B with batch 4 × 512 in bfloat16 (on a 6-layer 7B shape the step's peak fell
    /// from 2.89 to 2.85 GB: there the peak comes before the backward pass ends). The incoming wrapper is released when
    /// the layer is done; the outgoing one when the next layer down starts, by which time the engine holds its own reference.
    /// </summary>
    private Tensor? _handedBack;

    /// <summary>
    /// <paramref name="layer"/>(<paramref name="hidden"/>) without stored activations. When autograd is off (evaluation)
    /// the layer simply runs. The input is made to require grad when it does not (a frozen embedding's output), as
    /// PEFT's enable_input_require_grads does, so that the backward pass reaches the layer. <paramref name="captured"/>
    /// are tensors the layer reads besides its input (attention mask, rotary angles): they are kept alive for the
    /// recomputation until <see cref="Release"/>.
    /// </summary>
    public Tensor Run(Func<Tensor, Tensor> layer, Tensor hidden, params Tensor[] captured)
    {
        if (!torch.is_grad_enabled()) return layer(hidden);
        foreach (var tensor in captured)
            if (!_kept.Any(k => ReferenceEquals(k, tensor))) _kept.Add(tensor.DetachFromDisposeScope());
        if (!hidden.requires_grad) hidden = hidden.detach().requires_grad_(true);
        return RecomputedLayer.apply(hidden, new Recompute(layer, PreservedGenerators, this));
    }

    /// <summary>Disposes the tensors kept for recomputation; call after each backward pass.</summary>
    public void Release()
    {
        foreach (var tensor in _kept) tensor.Dispose();
        _kept.Clear();
        _handedBack?.Dispose();
        _handedBack = null;
    }

    /// <summary>Keeps <paramref name="gradient"/> out of the caller's dispose scope, releasing the previous layer's (see <see cref="_handedBack"/>).</summary>
    private Tensor HandBack(Tensor gradient)
    {
        _handedBack?.Dispose();
        _handedBack = gradient.DetachFromDisposeScope();
        return gradient;
    }

    private sealed record Recompute(Func<Tensor, Tensor> Layer, IReadOnlyList<Generator> Generators, ActivationCheckpointing Owner)
    {
        /// <summary>Generator states at the start of the forward pass.</summary>
        public List<Tensor> States { get; } = [];
    }

    private sealed class RecomputedLayer : autograd.SingleTensorFunction<RecomputedLayer>
    {
        public override string Name => "RecomputedDecoderLayer";

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var input = (Tensor)vars[0];
            var recompute = (Recompute)vars[1];
            foreach (var generator in recompute.Generators) recompute.States.Add(generator.get_state().DetachFromDisposeScope());
            ctx.save_for_backward([input]);
            ctx.save_data("recompute", recompute);
            return recompute.Layer(input);
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
        {
            // Disposed at the end: a wrapper left in the caller's scope would keep the layer's input alive after the engine frees it.
            using var input = ctx.get_saved_variables()[0];
            var recompute = (Recompute)ctx.get_data("recompute")!;
            var after = recompute.Generators.Select(g => g.get_state()).ToList();
            try
            {
                for (var i = 0; i < recompute.Generators.Count; i++) recompute.Generators[i].set_state(recompute.States[i]);
                using var grad = enable_grad();
                using var scope = NewDisposeScope();
                var x = input.detach().requires_grad_(true);
                var output = recompute.Layer(x);
                autograd.backward([output], [gradOutput]);
                var inputGrad = x.grad is { } g ? g.detach().clone() : zeros_like(input);
                gradOutput.Dispose(); // TorchSharp's wrapper of the engine's gradient (the engine keeps its own reference)
                return [recompute.Owner.HandBack(inputGrad), null!];
            }
            finally
            {
                for (var i = 0; i < recompute.Generators.Count; i++) recompute.Generators[i].set_state(after[i]);
                foreach (var state in recompute.States.Concat(after)) state.Dispose();
                recompute.States.Clear();
            }
        }
    }
}
