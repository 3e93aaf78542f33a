using static TorchSharp.torch;

namespace MedTune.Models;

/// <summary>
/// The additive attention mask [batch, 1, seq, past + seq]: 0 where a query may attend to a key, −∞ where it
/// may not — keys in the query's future (causal) and left-padding keys (attention_mask 0).
/// A padding query that could attend to nothing attends to everything instead, so that its (ignored)
/// output is finite rather than NaN.
/// </summary>
public static class AttentionMask
{
    public static Tensor Build(Tensor? attentionMask, long batch, long seq, long past, ScalarType dtype, Device device)
    {
        using var scope = NewDisposeScope();
        var total = past + seq;
        if (attentionMask is not null && (attentionMask.shape.Length != 2 || attentionMask.shape[0] != batch || attentionMask.shape[1] != total))
            throw new ArgumentException($"attention mask has shape [{string.Join(", ", attentionMask.shape)}]; expected [{batch}, {total}] (batch, past + seq)");
        var keyPositions = arange(total, device: device).unsqueeze(0);
        var queryPositions = (arange(seq, device: device) + past).unsqueeze(1);
        var allowed = (keyPositions <= queryPositions).unsqueeze(0).expand(batch, seq, total);
        if (attentionMask is not null)
            allowed = allowed.logical_and(attentionMask.to(device).ne(0).unsqueeze(1));
        allowed = allowed.logical_or(allowed.any(-1, keepdim: true).logical_not());
        var mask = zeros([batch, 1, seq, total], dtype, device).masked_fill(allowed.logical_not().unsqueeze(1), float.NegativeInfinity);
        return mask.MoveToOuterDisposeScope();
    }
}

/// <summary>Position ids as Hugging Face derives them.</summary>
public static class PositionIds
{
    /// <summary><c>past, past + 1, …</c> for every row ([batch, seq]).</summary>
    public static Tensor Sequential(long batch, long seq, long past, Device device)
    {
        using var positions = arange(past, past + seq, device: device);
        return positions.unsqueeze(0).expand(batch, seq).contiguous();
    }

    /// <summary>
    /// For left-padded rows: the number of real tokens before each position (cumsum(mask) − 1), with padding
    /// positions set to 1, for the last <paramref name="seq"/> columns of <paramref name="attentionMask"/> [batch, past + seq].
    /// </summary>
    public static Tensor FromAttentionMask(Tensor attentionMask, long seq)
    {
        using var scope = NewDisposeScope();
        var mask = attentionMask.to_type(ScalarType.Int64);
        var positions = mask.cumsum(1, ScalarType.Int64) - 1;
        positions = positions.masked_fill(mask.eq(0), 1);
        return positions.narrow(1, attentionMask.shape[1] - seq, seq).contiguous().MoveToOuterDisposeScope();
    }
}
