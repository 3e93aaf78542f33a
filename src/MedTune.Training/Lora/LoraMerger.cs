using MedTune.Models;
using static TorchSharp.torch;

namespace MedTune.Training;

/// <summary>Folds LoRA branches into the base weights: <c>W' = W + scale · B·A</c>.</summary>
public static class LoraMerger
{
    /// <summary>
    /// Merges every attached <see cref="LoraLayer"/> into its projection (computed in float32, stored in the weight's
    /// dtype) and detaches it. Returns the number of projections merged.
    /// </summary>
    public static int Merge(CausalLanguageModel model)
    {
        var merged = 0;
        using var _ = no_grad();
        foreach (var (_, linear) in model.Linears().ToList())
        {
            if (linear.Adapter is not LoraLayer lora) continue;
            using var scope = NewDisposeScope();
            var delta = matmul(lora.lora_B.weight!.to_type(ScalarType.Float32), lora.lora_A.weight!.to_type(ScalarType.Float32)).mul_(lora.Scale);
            var weight = linear.weight;
            var updated = weight.to_type(ScalarType.Float32).add_(delta.to(weight.device));
            weight.copy_(updated.to_type(weight.dtype));
            linear.Adapter = null;
            merged++;
        }
        return merged;
    }
}
