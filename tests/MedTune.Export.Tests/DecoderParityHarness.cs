using MedTune.Inference;

namespace MedTune.Export.Tests;

/// <summary>
/// Drives an <see cref="IDecoderModel"/> the way the generation loop does — a left-padded batched prompt pass,
/// then greedy one-token steps through the cache — and compares every real position's logits with
/// <see cref="ReferenceDecoder"/> run on each unpadded sequence.
/// </summary>
public static class DecoderParityHarness
{
    public sealed record Result(double MaxPromptError, double MaxDecodeError, List<long>[] GreedyTokens, List<long>[] ReferenceGreedyTokens);

    public static Result Run(IDecoderModel model, ReferenceDecoder reference, IReadOnlyList<long[]> prompts, int decodeSteps, long padToken = 0)
    {
        int batch = prompts.Count, vocab = model.VocabSize, longest = prompts.Max(p => p.Length);
        var sequences = prompts.Select(p => p.ToList()).ToArray();
        var mask = new List<long>[batch];
        var tokens = new long[batch * longest];
        var positions = new long[batch * longest];
        for (var b = 0; b < batch; b++)
        {
            var padding = longest - prompts[b].Length;
            mask[b] = Enumerable.Repeat(0L, padding).Concat(Enumerable.Repeat(1L, prompts[b].Length)).ToList();
            for (var s = 0; s < longest; s++)
            {
                tokens[b * longest + s] = s < padding ? padToken : prompts[b][s - padding];
                positions[b * longest + s] = Math.Max(0, s - padding);
            }
        }
        using var session = model.StartSession(batch);
        var logits = session.Forward(tokens, Flatten(mask), positions, longest, allPositions: true);

        double promptError = 0;
        var greedy = Enumerable.Range(0, batch).Select(_ => new List<long>()).ToArray();
        var referenceGreedy = Enumerable.Range(0, batch).Select(_ => new List<long>()).ToArray();
        var last = new float[batch][];
        for (var b = 0; b < batch; b++)
        {
            var expected = reference.Forward(prompts[b]);
            var padding = longest - prompts[b].Length;
            for (var s = 0; s < prompts[b].Length; s++)
                promptError = Math.Max(promptError, MaxAbsDifference(logits.AsSpan(((b * longest) + padding + s) * vocab, vocab), expected[s]));
            last[b] = logits.AsSpan((b * longest + longest - 1) * vocab, vocab).ToArray();
            referenceGreedy[b].Add(ArgMax(expected[^1]));
        }

        double decodeError = 0;
        for (var step = 0; step < decodeSteps; step++)
        {
            var next = new long[batch];
            var nextPositions = new long[batch];
            for (var b = 0; b < batch; b++)
            {
                next[b] = ArgMax(last[b]);
                greedy[b].Add(next[b]);
                sequences[b].Add(next[b]);
                mask[b].Add(1);
                nextPositions[b] = sequences[b].Count - 1;
            }
            var stepLogits = session.Forward(next, Flatten(mask), nextPositions, 1, allPositions: false);
            for (var b = 0; b < batch; b++)
            {
                last[b] = stepLogits.AsSpan(b * vocab, vocab).ToArray();
                var expected = reference.Forward(sequences[b])[^1];
                decodeError = Math.Max(decodeError, MaxAbsDifference(last[b], expected));
                referenceGreedy[b].Add(ArgMax(expected));
            }
        }
        // The reference's greedy list has one extra look-ahead token; trim to what the model produced.
        foreach (var list in referenceGreedy) list.RemoveAt(list.Count - 1);
        return new Result(promptError, decodeError, greedy, referenceGreedy);
    }

    public static long ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }

    private static long[] Flatten(List<long>[] rows) => rows.SelectMany(r => r).ToArray();

    private static double MaxAbsDifference(ReadOnlySpan<float> actual, float[] expected)
    {
        double max = 0;
        for (var i = 0; i < expected.Length; i++) max = Math.Max(max, Math.Abs(actual[i] - expected[i]));
        return max;
    }
}
