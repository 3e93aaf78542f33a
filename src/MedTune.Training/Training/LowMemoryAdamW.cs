using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MedTune.Training;

/// <summary>
/// TorchSharp's <see cref="AdamW"/> with the same arithmetic, operation for operation (so the same bits), but each
/// parameter's temporaries freed as soon as that parameter is updated. TorchSharp's step runs every parameter inside one
/// dispose scope, so its two full-size temporaries per tensor (<c>√v</c> and <c>√v / √(1 − β₂ᵗ)</c>) stay alive until
/// the last parameter is done: twice the LoRA weights at the step's peak (1.3 GB for Llama-2-7B with r 64 on every
/// projection). Here the peak is one tensor's temporaries. The state (<see cref="AdamW.State"/>) and its state dict
/// are TorchSharp's, so checkpoints are unchanged.
/// </summary>
/// <remarks>
/// The update, per parameter p with gradient g at step t (decoupled weight decay λ, learning rate η):
/// p ← p·(1 − ηλ); m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²; p ← p − η/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε).
/// AMSGrad and maximize are not used by medtune and are refused.
/// </remarks>
public sealed class LowMemoryAdamW(IEnumerable<Parameter> parameters, double lr, double beta1, double beta2, double eps, double weightDecay)
    : AdamW(parameters, lr, beta1, beta2, eps, weightDecay)
{
    public override Tensor step(Func<Tensor>? closure = null)
    {
        if (closure is not null) throw new NotSupportedException("LowMemoryAdamW.step takes no closure.");
        using var noGrad = no_grad();
        foreach (var group in _parameter_groups)
        {
            var options = (Options)group.Options;
            if (options.amsgrad == true || options.maximize == true) throw new NotSupportedException("AMSGrad and maximize are not supported.");
            double beta1 = options.beta1!.Value, beta2 = options.beta2!.Value, eps = options.eps!.Value;
            double lr = options.LearningRate!.Value, weightDecay = options.weight_decay!.Value;
            foreach (var param in group.Parameters)
            {
                using var scope = NewDisposeScope();
                var grad = param.grad;
                if (grad is null) continue;
                var state = (State)_state[param.Handle];
                state.step += 1;
                param.mul_(1 - lr * weightDecay);
                var biasCorrection1 = 1 - Math.Pow(beta1, state.step);
                var biasCorrection2 = 1 - Math.Pow(beta2, state.step);
                state.exp_avg.mul_(beta1).add_(grad, alpha: 1 - beta1);
                state.exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value: 1 - beta2);
                var denominator = (state.exp_avg_sq.sqrt() / Math.Sqrt(biasCorrection2)).add_(eps);
                param.addcdiv_(state.exp_avg, denominator, value: -lr / biasCorrection1);
            }
        }
        return null!;
    }
}
