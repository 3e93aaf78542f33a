using MedTune.Inference;
using TorchSharp;
using static TorchSharp.torch;

namespace MedTune.Models;

/// <summary>A TorchSharp <see cref="CausalLanguageModel"/> seen as an <see cref="IDecoderModel"/> (the reference peer of ONNX Runtime).</summary>
public sealed class TorchDecoderModel(CausalLanguageModel model, bool ownsModel = true) : IDecoderModel
{
    public CausalLanguageModel Model => model;

    public int VocabSize => model.Config.VocabSize;

    public IDecoderSession StartSession(int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        return new TorchDecoderSession(model, batchSize);
    }

    public void Dispose()
    {
        if (ownsModel) model.Dispose();
    }
}

/// <summary>One batch being decoded, with its own <see cref="KeyValueCache"/>.</summary>
internal sealed class TorchDecoderSession(CausalLanguageModel model, int batchSize) : IDecoderSession
{
    private readonly KeyValueCache _cache = model.CreateCache();

    public int BatchSize => batchSize;

    public int PastLength => (int)_cache.Length;

    public float[] Forward(ReadOnlySpan<long> tokens, ReadOnlySpan<long> attentionMask, ReadOnlySpan<long> positionIds, int seq, bool allPositions)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(seq);
        Expect(tokens.Length, batchSize * seq, "tokens", "batch × seq");
        Expect(attentionMask.Length, batchSize * (PastLength + seq), "attentionMask", "batch × (past + seq)");
        Expect(positionIds.Length, batchSize * seq, "positionIds", "batch × seq");
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var device = model.Device;
        var ids = tensor(tokens.ToArray(), [batchSize, seq], device: device);
        var mask = tensor(attentionMask.ToArray(), [batchSize, PastLength + seq], device: device);
        var positions = tensor(positionIds.ToArray(), [batchSize, seq], device: device);
        var logits = model.Forward(ids, mask, positions, _cache);
        if (!allPositions) logits = logits.select(1, seq - 1);
        return logits.to_type(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
    }

    private static void Expect(int actual, int expected, string name, string shape)
    {
        if (actual != expected)
            throw new ArgumentException($"{name} holds {actual} values; expected {expected} ({shape})", name);
    }

    public void Dispose() => _cache.Dispose();
}
