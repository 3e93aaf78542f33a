using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MedTune.Training;

/// <summary>
/// The low-rank branch added to a frozen projection: <c>scale · B(A(dropout(x)))</c>.
/// Submodules are named <c>lora_A</c> and <c>lora_B</c> so that parameter paths map one-to-one onto PEFT's
/// (<c>…q_proj.adapter.lora_A.weight</c> ↔ <c>base_model.model.…q_proj.lora_A.weight</c>).
/// The LoRA weights are kept in float32 whatever the base dtype; the output is cast back to the input's dtype.
/// </summary>
public sealed class LoraLayer : nn.Module<Tensor, Tensor>
{
    public Linear lora_A;
    public Linear lora_B;
    private readonly double _dropout;
    private readonly Generator? _dropoutGenerator;

    /// <param name="dropoutGenerator">Source of dropout masks, shared by all layers of a model so its state can be checkpointed.</param>
    public LoraLayer(long inFeatures, long outFeatures, int rank, double alpha, double dropout, bool useRslora, Generator? dropoutGenerator)
        : base("lora")
    {
        if (rank <= 0) throw new ArgumentOutOfRangeException(nameof(rank), $"LoRA rank r must be positive (got {rank}).");
        if (dropout is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(dropout), $"lora dropout must be in [0, 1) (got {dropout}).");
        Rank = rank;
        Alpha = alpha;
        Scale = LoraScaling.Scale(rank, alpha, useRslora);
        _dropout = dropout;
        _dropoutGenerator = dropoutGenerator;
        lora_A = nn.Linear(inFeatures, rank, hasBias: false, dtype: ScalarType.Float32);
        lora_B = nn.Linear(rank, outFeatures, hasBias: false, dtype: ScalarType.Float32);
        using (no_grad()) lora_B.weight!.zero_();
        RegisterComponents();
    }

    public int Rank { get; }
    public double Alpha { get; }
    public double Scale { get; }

    /// <summary>
    /// PEFT's default init: A ~ Kaiming-uniform with a = √5 (bound 1/√in_features, as nn.Linear), B = 0, so the
    /// model's output at step 0 equals the base model's.
    /// </summary>
    public void ResetParameters(Generator generator)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var weight = lora_A.weight!;
        var bound = 1.0 / Math.Sqrt(weight.shape[1]);
        var uniform = rand(weight.shape, dtype: ScalarType.Float32, generator: generator);
        weight.copy_(uniform.mul_(2 * bound).sub_(bound));
        lora_B.weight!.zero_();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = input.dtype == ScalarType.Float32 ? input : input.to_type(ScalarType.Float32);
        if (training && _dropout > 0) x = ApplyDropout(x);
        var output = lora_B.call(lora_A.call(x)).mul_(Scale);
        if (output.dtype != input.dtype) output = output.to_type(input.dtype);
        return output.MoveToOuterDisposeScope();
    }

    /// <summary>Inverted dropout whose mask comes from the shared generator (checkpointable, unlike the global RNG).</summary>
    private Tensor ApplyDropout(Tensor x)
    {
        var keep = rand(x.shape, dtype: ScalarType.Float32, device: x.device, generator: _dropoutGenerator).ge_(_dropout);
        return x.mul(keep).div_(1 - _dropout);
    }
}

public static class LoraScaling
{
    /// <summary>alpha / r, or alpha / √r with rsLoRA (as PEFT).</summary>
    public static double Scale(int rank, double alpha, bool useRslora) =>
        useRslora ? alpha / Math.Sqrt(rank) : alpha / rank;
}
