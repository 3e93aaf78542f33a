using MedTune.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace MedTune.Models;

/// <summary>Llama self-attention: q/k/v projections, rotary embeddings on q and k, grouped-query attention, o_proj.</summary>
public sealed class LlamaAttention : nn.Module
{
    // Field names are the checkpoint's parameter names (RegisterComponents uses them).
    private readonly AdaptableLinear q_proj;
    private readonly AdaptableLinear k_proj;
    private readonly AdaptableLinear v_proj;
    private readonly AdaptableLinear o_proj;
    private readonly int _heads;
    private readonly int _kvHeads;
    private readonly int _headDim;
    private readonly int _layerIndex;
    private readonly RotaryEmbedding _rotary;

    public LlamaAttention(ModelConfig config, int layerIndex, RotaryEmbedding rotary, ScalarType dtype) : base("self_attn")
    {
        (_heads, _kvHeads, _headDim, _layerIndex, _rotary) = (config.NumAttentionHeads, config.NumKeyValueHeads, config.HeadDim, layerIndex, rotary);
        var bias = config.AttentionBias;
        q_proj = new AdaptableLinear(config.HiddenSize, _heads * _headDim, bias, "q_proj", dtype);
        k_proj = new AdaptableLinear(config.HiddenSize, _kvHeads * _headDim, bias, "k_proj", dtype);
        v_proj = new AdaptableLinear(config.HiddenSize, _kvHeads * _headDim, bias, "v_proj", dtype);
        o_proj = new AdaptableLinear(_heads * _headDim, config.HiddenSize, bias, "o_proj", dtype);
        RegisterComponents();
    }

    public Tensor Forward(Tensor hidden, AttentionInputs inputs)
    {
        using var scope = NewDisposeScope();
        var (batch, seq) = (hidden.shape[0], hidden.shape[1]);
        var queries = SplitHeads(q_proj.forward(hidden), _heads);
        var keys = SplitHeads(k_proj.forward(hidden), _kvHeads);
        var values = SplitHeads(v_proj.forward(hidden), _kvHeads);
        queries = _rotary.Rotate(queries, inputs.Cos, inputs.Sin);
        keys = _rotary.Rotate(keys, inputs.Cos, inputs.Sin);
        if (inputs.Cache is { } cache)
            (keys, values) = cache.Append(_layerIndex, keys, values);
        var attended = ScaledDotProductAttention.Compute(queries, keys, values, inputs.Mask);
        var merged = attended.transpose(1, 2).reshape(batch, seq, _heads * _headDim);
        return o_proj.forward(merged).MoveToOuterDisposeScope();
    }

    /// <summary>[batch, seq, heads·head_dim] → [batch, heads, seq, head_dim].</summary>
    private Tensor SplitHeads(Tensor x, int heads) => x.view(x.shape[0], x.shape[1], heads, _headDim).transpose(1, 2);
}
