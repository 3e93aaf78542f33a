using MedTune.Inference;

namespace MedTune.Evaluation.Tests;

/// <summary>A text generator whose continuations and option log-probabilities are given by the test.</summary>
internal sealed class FakeTextGenerator(Func<string, string> continuation, Func<string, string, double>? logProbability = null) : ITextGenerator
{
    public List<IReadOnlyList<string>> GenerateCalls { get; } = [];
    public DecodingOptions? LastOptions { get; private set; }
    public bool Disposed { get; private set; }

    public IReadOnlyList<GeneratedText> Generate(IReadOnlyList<string> prompts, DecodingOptions options, CancellationToken cancellationToken = default)
    {
        GenerateCalls.Add(prompts);
        LastOptions = options;
        return prompts.Select(p =>
        {
            var text = continuation(p);
            return new GeneratedText(text, text.Select(c => (int)c).ToArray(), "eos");
        }).ToArray();
    }

    public IReadOnlyList<ContinuationScore> ScoreContinuations(IReadOnlyList<(string Context, string Continuation)> pairs, CancellationToken cancellationToken = default)
    {
        var score = logProbability ?? throw new InvalidOperationException("this fake has no log-probabilities");
        return pairs.Select(p => new ContinuationScore(score(p.Context, p.Continuation), p.Continuation.Length, System.Text.Encoding.UTF8.GetByteCount(p.Continuation))).ToArray();
    }

    public void Dispose() => Disposed = true;
}
