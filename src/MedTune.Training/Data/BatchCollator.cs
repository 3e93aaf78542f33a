using static TorchSharp.torch;

namespace MedTune.Training;

/// <summary>A padded training batch: ids, attention mask (1 = token, 0 = right padding) and labels (−100 on padding).</summary>
public sealed class TrainingBatch(Tensor inputIds, Tensor attentionMask, Tensor labels, int tokenCount) : IDisposable
{
    public Tensor InputIds { get; } = inputIds;
    public Tensor AttentionMask { get; } = attentionMask;
    public Tensor Labels { get; } = labels;
    /// <summary>Real (non-padding) tokens in the batch.</summary>
    public int TokenCount { get; } = tokenCount;

    public void Dispose()
    {
        InputIds.Dispose();
        AttentionMask.Dispose();
        Labels.Dispose();
    }
}

public static class BatchCollator
{
    /// <summary>Right-pads <paramref name="examples"/> to the longest one.</summary>
    public static TrainingBatch Collate(IReadOnlyList<TokenizedExample> examples, int padId, Device device)
    {
        var length = examples.Max(e => e.InputIds.Length);
        var ids = new long[examples.Count * length];
        var mask = new long[ids.Length];
        var labels = new long[ids.Length];
        Array.Fill(ids, padId);
        Array.Fill(labels, TokenizedExample.IgnoreLabel);
        var tokens = 0;
        for (var row = 0; row < examples.Count; row++)
        {
            var example = examples[row];
            for (var i = 0; i < example.InputIds.Length; i++)
            {
                ids[row * length + i] = example.InputIds[i];
                mask[row * length + i] = 1;
                labels[row * length + i] = example.Labels[i];
            }
            tokens += example.InputIds.Length;
        }
        long[] shape = [examples.Count, length];
        return new TrainingBatch(tensor(ids, shape).to(device), tensor(mask, shape).to(device), tensor(labels, shape).to(device), tokens);
    }
}
