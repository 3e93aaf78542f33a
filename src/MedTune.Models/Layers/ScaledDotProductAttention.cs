using static TorchSharp.torch;

namespace MedTune.Models;

/// <summary>
/// softmax(Q Kᵀ / √d + mask) V (Vaswani et al. 2017) over [batch, heads, seq, head_dim]. With grouped-query
/// attention (Ainslie et al. 2023) each key/value head serves <c>heads / kv_heads</c> consecutive query heads.
/// </summary>
public static class ScaledDotProductAttention
{
    public static Tensor Compute(Tensor queries, Tensor keys, Tensor values, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var groups = queries.shape[1] / keys.shape[1];
        if (groups > 1)
        {
            keys = keys.repeat_interleave(groups, dim: 1);
            values = values.repeat_interleave(groups, dim: 1);
        }
        return nn.functional.scaled_dot_product_attention(queries, keys, values, mask).MoveToOuterDisposeScope();
    }
}

/// <summary>What every decoder layer needs besides its input: the mask, the rotation angles and the cache.</summary>
public sealed record AttentionInputs(Tensor Mask, Tensor Cos, Tensor Sin, KeyValueCache? Cache);
