namespace MedTune.Inference;

/// <summary>
/// A causal language model runtime seen as a function from tokens to next-token logits, with a key/value
/// cache per session. ONNX Runtime (the evaluate stage) and TorchSharp (the reference peer) both implement
/// it; tokenisation, padding, sampling and stop strings live once, above it, in the text generator.
/// </summary>
public interface IDecoderModel : IDisposable
{
    int VocabSize { get; }

    /// <summary>Starts an empty key/value cache for <paramref name="batchSize"/> sequences.</summary>
    IDecoderSession StartSession(int batchSize);
}

/// <summary>One batch of sequences being decoded; owns its key/value cache.</summary>
public interface IDecoderSession : IDisposable
{
    int BatchSize { get; }

    /// <summary>Positions already in the cache (0 before the first call).</summary>
    int PastLength { get; }

    /// <summary>
    /// Runs <paramref name="tokens"/> [batch, seq] (row-major), with <paramref name="attentionMask"/>
    /// [batch, PastLength + seq] (1 = real token, 0 = left padding) and <paramref name="positionIds"/> [batch, seq],
    /// appends their keys/values to the cache, and returns logits (row-major): [batch, seq, vocab] when
    /// <paramref name="allPositions"/>, otherwise [batch, vocab] for each row's last position.
    /// </summary>
    float[] Forward(ReadOnlySpan<long> tokens, ReadOnlySpan<long> attentionMask, ReadOnlySpan<long> positionIds, int seq, bool allPositions);
}
