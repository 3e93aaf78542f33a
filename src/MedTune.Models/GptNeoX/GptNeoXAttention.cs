using MedTune.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace MedTune.Models;

/// <summary>
/// GPT-NeoX self-attention (Black et al. 2022). One fused <c>query_key_value</c> projection whose output,
/// viewed as [batch, seq, heads, 3·head_dim], holds each head's query, key and value side by side;
/// rotary embeddings on the first rotary_pct of each head's dimensions; output projection <c>dense</c>.
/// </summary>
public sealed class GptNeoXAttention : nn.Module
{
    private readonly AdaptableLinear query_key_value;
    private readonly AdaptableLinear dense;
    private readonly int _heads;
    private readonly int _headDim;
    private readonly int _layerIndex;
    private readonly RotaryEmbedding _rotary;

    public GptNeoXAttention(ModelConfig config, int layerIndex, RotaryEmbedding rotary, ScalarType dtype) : base("attention")
    {
        (_heads, _headDim, _layerIndex, _rotary) = (config.NumAttentionHeads, config.HeadDim, layerIndex, rotary);
        query_key_value = new AdaptableLinear(config.HiddenSize, 3 * config.HiddenSize, config.AttentionBias, "query_key_value", dtype);
        dense = new AdaptableLinear(config.HiddenSize, config.HiddenSize, config.AttentionBias, "dense", dtype);
        RegisterComponents();
    }

    public Tensor Forward(Tensor hidden, AttentionInputs inputs)
    {
        using var scope = NewDisposeScope();
        var (batch, seq) = (hidden.shape[0], hidden.shape[1]);
        var perHead = query_key_value.forward(hidden).view(batch, seq, _heads, 3 * _headDim).transpose(1, 2);
        var queries = perHead.narrow(-1, 0, _headDim);
        var keys = perHead.narrow(-1, _headDim, _headDim);
        var values = perHead.narrow(-1, 2 * _headDim, _headDim).contiguous();
        queries = _rotary.Rotate(queries, inputs.Cos, inputs.Sin);
        keys = _rotary.Rotate(keys, inputs.Cos, inputs.Sin);
        if (inputs.Cache is { } cache)
            (keys, values) = cache.Append(_layerIndex, keys, values);
        var attended = ScaledDotProductAttention.Compute(queries, keys, values, inputs.Mask);
        var merged = attended.transpose(1, 2).reshape(batch, seq, _heads * _headDim);
        return dense.forward(merged).MoveToOuterDisposeScope();
    }
}
