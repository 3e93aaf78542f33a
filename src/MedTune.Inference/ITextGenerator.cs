namespace MedTune.Inference;

/// <summary>How to decode: greedy when <see cref="Temperature"/> is 0, otherwise seeded sampling with nucleus <see cref="TopP"/>.</summary>
public sealed record DecodingOptions
{
    public int MaxNewTokens { get; init; } = 32;
    public double Temperature { get; init; }
    public double TopP { get; init; } = 1.0;
    public int Seed { get; init; }
    /// <summary>Generation stops for a sequence once its text contains one of these (the stop string is cut off).</summary>
    public IReadOnlyList<string> StopStrings { get; init; } = [];
    public int BatchSize { get; init; } = 8;
}

/// <summary>One prompt's continuation.</summary>
/// <param name="Text">Decoded continuation, cut at the first stop string.</param>
/// <param name="TokenIds">Generated token ids (EOS excluded).</param>
/// <param name="FinishReason"><c>eos</c>, <c>stop</c> or <c>length</c>.</param>
public sealed record GeneratedText(string Text, IReadOnlyList<int> TokenIds, string FinishReason);

/// <summary>Log-probability of a continuation given a context (lm-evaluation-harness style option scoring).</summary>
public sealed record ContinuationScore(double LogProbability, int TokenCount, int ByteCount);

/// <summary>Text in, text out: what the evaluate stage needs from a model runtime (ONNX Runtime, or TorchSharp as the peer).</summary>
public interface ITextGenerator : IDisposable
{
    /// <summary>Continuations of <paramref name="prompts"/>, in order; batched with left padding internally.</summary>
    IReadOnlyList<GeneratedText> Generate(IReadOnlyList<string> prompts, DecodingOptions options, CancellationToken cancellationToken = default);

    /// <summary>Sum of log-probabilities of each continuation's tokens after its context.</summary>
    IReadOnlyList<ContinuationScore> ScoreContinuations(IReadOnlyList<(string Context, string Continuation)> pairs, CancellationToken cancellationToken = default);
}
