namespace MedTune.Inference.Tests.Generation;

/// <summary>
/// A decoder whose logits at each position are a pure function of the tokens and position ids it can see (attention
/// mask 1, causal). Padding mistakes (attending to pads, wrong positions, wrong cache) change the logits, so a
/// left-padded batch only matches single-prompt runs when the generator gets them right. Every call is recorded.
/// </summary>
internal sealed class FakeDecoderModel(int vocabSize, Func<IReadOnlyList<(long Token, long Position)>, float[]> logitsOf) : IDecoderModel
{
    private float[] LogitsOf(IReadOnlyList<(long Token, long Position)> visible) => logitsOf(visible);
    public int VocabSize { get; } = vocabSize;
    public List<FakeCall> Calls { get; } = [];
    public int SessionsStarted { get; private set; }
    public bool Disposed { get; private set; }

    public IDecoderSession StartSession(int batchSize)
    {
        SessionsStarted++;
        return new Session(this, batchSize);
    }

    public void Dispose() => Disposed = true;

    /// <summary>Logits from a hash of every visible (token, position): any change in what is visible changes them.</summary>
    public static FakeDecoderModel Hashing(int vocabSize) => new(vocabSize, visible =>
    {
        ulong h = 1469598103934665603UL;
        foreach (var (token, position) in visible) h = unchecked((h ^ (ulong)(token * 1_000_003 + position)) * 1099511628211UL);
        var random = new SeededRandom(h);
        return Enumerable.Range(0, vocabSize).Select(_ => (float)(random.NextDouble() * 8 - 4)).ToArray();
    });

    /// <summary>Logits that put almost all mass on <paramref name="next"/>(visible tokens).</summary>
    public static FakeDecoderModel Scripted(int vocabSize, Func<IReadOnlyList<long>, int> next) => new(vocabSize, visible =>
    {
        var logits = new float[vocabSize];
        logits[next(visible.Select(v => v.Token).ToArray())] = 30;
        return logits;
    });

    private sealed class Session(FakeDecoderModel model, int batchSize) : IDecoderSession
    {
        private readonly List<(long Token, long Position)>[] _cache = Enumerable.Range(0, batchSize).Select(_ => new List<(long, long)>()).ToArray();

        public int BatchSize => batchSize;
        public int PastLength => _cache[0].Count;

        public float[] Forward(ReadOnlySpan<long> tokens, ReadOnlySpan<long> attentionMask, ReadOnlySpan<long> positionIds, int seq, bool allPositions)
        {
            var past = PastLength;
            var total = past + seq;
            if (tokens.Length != batchSize * seq || positionIds.Length != batchSize * seq || attentionMask.Length != batchSize * total)
                throw new ArgumentException($"shape mismatch: tokens {tokens.Length}, positions {positionIds.Length}, mask {attentionMask.Length} for batch {batchSize}, past {past}, seq {seq}");
            model.Calls.Add(new FakeCall(tokens.ToArray(), attentionMask.ToArray(), positionIds.ToArray(), seq, allPositions, past));
            var vocab = model.VocabSize;
            var output = new List<float>();
            for (var b = 0; b < batchSize; b++)
            {
                for (var s = 0; s < seq; s++) _cache[b].Add((tokens[b * seq + s], positionIds[b * seq + s]));
                for (var s = allPositions ? 0 : seq - 1; s < seq; s++)
                {
                    var visible = new List<(long, long)>();
                    for (var k = 0; k <= past + s; k++)
                    {
                        if (attentionMask[b * total + k] == 1) visible.Add(_cache[b][k]);
                    }
                    var logits = model.LogitsOf(visible);
                    if (logits.Length != vocab) throw new InvalidOperationException("fake logits have the wrong size");
                    output.AddRange(logits);
                }
            }
            return output.ToArray();
        }

        public void Dispose() { }
    }
}

internal sealed record FakeCall(long[] Tokens, long[] AttentionMask, long[] PositionIds, int Seq, bool AllPositions, int PastLength);
