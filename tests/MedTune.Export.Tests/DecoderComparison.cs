using MedTune.Inference;

namespace MedTune.Export.Tests;

/// <summary>
/// Runs two <see cref="IDecoderModel"/>s side by side through a left-padded batched prompt pass and greedy
/// cached decoding (both fed the tokens <paramref name="a"/> picks), comparing logits at every real position.
/// </summary>
public static class DecoderComparison
{
    public sealed record Result(double MaxPromptError, double MaxDecodeError, List<long>[] GreedyA, List<long>[] GreedyB);

    public static Result Compare(IDecoderModel a, IDecoderModel b, IReadOnlyList<long[]> prompts, int decodeSteps)
    {
        int batch = prompts.Count, vocab = a.VocabSize, longest = prompts.Max(p => p.Length);
        var mask = new List<long>[batch];
        var lengths = prompts.Select(p => (long)p.Length).ToArray();
        var tokens = new long[batch * longest];
        var positions = new long[batch * longest];
        for (var r = 0; r < batch; r++)
        {
            var padding = longest - prompts[r].Length;
            mask[r] = Enumerable.Repeat(0L, padding).Concat(Enumerable.Repeat(1L, prompts[r].Length)).ToList();
            for (var s = 0; s < longest; s++)
            {
                tokens[r * longest + s] = s < padding ? 0 : prompts[r][s - padding];
                positions[r * longest + s] = Math.Max(0, s - padding);
            }
        }
        using var sessionA = a.StartSession(batch);
        using var sessionB = b.StartSession(batch);
        var flatMask = mask.SelectMany(m => m).ToArray();
        var logitsA = sessionA.Forward(tokens, flatMask, positions, longest, true);
        var logitsB = sessionB.Forward(tokens, flatMask, positions, longest, true);
        double promptError = 0;
        for (var r = 0; r < batch; r++)
            for (var s = longest - prompts[r].Length; s < longest; s++)
                promptError = Math.Max(promptError, MaxAbs(logitsA.AsSpan((r * longest + s) * vocab, vocab), logitsB.AsSpan((r * longest + s) * vocab, vocab)));

        var lastA = Enumerable.Range(0, batch).Select(r => logitsA.AsSpan((r * longest + longest - 1) * vocab, vocab).ToArray()).ToArray();
        var lastB = Enumerable.Range(0, batch).Select(r => logitsB.AsSpan((r * longest + longest - 1) * vocab, vocab).ToArray()).ToArray();
        var greedyA = Enumerable.Range(0, batch).Select(_ => new List<long>()).ToArray();
        var greedyB = Enumerable.Range(0, batch).Select(_ => new List<long>()).ToArray();
        double decodeError = 0;
        for (var step = 0; step < decodeSteps; step++)
        {
            var next = new long[batch];
            for (var r = 0; r < batch; r++)
            {
                next[r] = DecoderParityHarness.ArgMax(lastA[r]);
                greedyA[r].Add(next[r]);
                greedyB[r].Add(DecoderParityHarness.ArgMax(lastB[r]));
                mask[r].Add(1);
                lengths[r]++;
            }
            var stepPositions = lengths.Select(l => l - 1).ToArray();
            flatMask = mask.SelectMany(m => m).ToArray();
            var stepA = sessionA.Forward(next, flatMask, stepPositions, 1, false);
            var stepB = sessionB.Forward(next, flatMask, stepPositions, 1, false);
            decodeError = Math.Max(decodeError, MaxAbs(stepA, stepB));
            for (var r = 0; r < batch; r++)
            {
                lastA[r] = stepA.AsSpan(r * vocab, vocab).ToArray();
                lastB[r] = stepB.AsSpan(r * vocab, vocab).ToArray();
            }
        }
        return new Result(promptError, decodeError, greedyA, greedyB);
    }

    private static double MaxAbs(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        double max = 0;
        for (var i = 0; i < x.Length; i++) max = Math.Max(max, Math.Abs(x[i] - y[i]));
        return max;
    }
}
