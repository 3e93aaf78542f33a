using System.Text;
using MedTune.Checkpoints.Tokenization;

namespace MedTune.Inference;

/// <summary>
/// The one generation loop over any <see cref="IDecoderModel"/>: tokenises prompts, runs them in left-padded batches
/// (prefill, then one token per step with the key/value cache), picks tokens greedily or by seeded sampling, and stops
/// each row on EOS, a stop string or max_new_tokens. Also scores continuations the way lm-evaluation-harness does.
/// The generator owns the model: disposing it disposes the model.
/// </summary>
public sealed class DecoderTextGenerator : ITextGenerator
{
    private readonly IDecoderModel _model;
    private readonly TextTokenizer _tokenizer;
    private readonly int _scoringBatchSize;
    private readonly HashSet<int> _eosIds;

    /// <param name="scoringBatchSize">Pairs scored per forward pass (logits for every position are held for the whole batch).</param>
    public DecoderTextGenerator(IDecoderModel model, TextTokenizer tokenizer, int scoringBatchSize = 8)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentOutOfRangeException.ThrowIfLessThan(scoringBatchSize, 1);
        if (model.VocabSize < tokenizer.VocabSize)
            throw new ArgumentException(
                $"The model's vocabulary ({model.VocabSize}) is smaller than its tokenizer's ({tokenizer.VocabSize}); the tokenizer files do not belong to this model.");
        _model = model;
        _tokenizer = tokenizer;
        _scoringBatchSize = scoringBatchSize;
        _eosIds = [.. tokenizer.EosIds];
    }

    /// <summary>Only ids the tokenizer can decode are ever generated (models often pad their embedding rows).</summary>
    private int Candidates => _tokenizer.VocabSize;

    public IReadOnlyList<GeneratedText> Generate(IReadOnlyList<string> prompts, DecodingOptions options, CancellationToken cancellationToken = default) =>
        Generate(prompts, options, onText: null, cancellationToken);

    /// <summary>
    /// Like <see cref="Generate(IReadOnlyList{string}, DecodingOptions, CancellationToken)"/>, and streams each prompt's text
    /// as it is generated: <paramref name="onText"/> gets (prompt index, new text) pieces whose concatenation is the final
    /// <see cref="GeneratedText.Text"/>. A piece never ends inside a UTF-8 character or inside what could still become a
    /// stop string, so nothing streamed is ever taken back.
    /// </summary>
    public IReadOnlyList<GeneratedText> Generate(IReadOnlyList<string> prompts, DecodingOptions options, Action<int, string>? onText, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        Validate(options);
        var results = new List<GeneratedText>(prompts.Count);
        for (var start = 0; start < prompts.Count; start += options.BatchSize)
        {
            var count = Math.Min(options.BatchSize, prompts.Count - start);
            var batch = GenerateBatch(prompts.Skip(start).Take(count).ToArray(), start, options, onText, cancellationToken);
            results.AddRange(batch);
        }
        return results;
    }

    private static void Validate(DecodingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxNewTokens < 0) throw new ArgumentOutOfRangeException(nameof(options), $"MaxNewTokens must be >= 0 (got {options.MaxNewTokens}).");
        if (options.Temperature < 0 || double.IsNaN(options.Temperature)) throw new ArgumentOutOfRangeException(nameof(options), $"Temperature must be >= 0 (got {options.Temperature}).");
        if (!(options.TopP > 0 && options.TopP <= 1)) throw new ArgumentOutOfRangeException(nameof(options), $"TopP must be in (0, 1] (got {options.TopP}).");
        if (options.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(options), $"BatchSize must be >= 1 (got {options.BatchSize}).");
        if (options.StopStrings.Any(string.IsNullOrEmpty)) throw new ArgumentException("Stop strings must not be empty.", nameof(options));
    }

    private IReadOnlyList<GeneratedText> GenerateBatch(string[] prompts, int firstIndex, DecodingOptions options, Action<int, string>? onText, CancellationToken cancellationToken)
    {
        Action<int, RowState>? afterStep = onText is null ? null : (row, state) => Stream(row, state, options, onText, firstIndex);
        return RunBatch(prompts, firstIndex, options, afterStep, cancellationToken);
    }

    /// <summary>Sends the part of a row's text that can no longer change: all of it once finished, else up to a possible stop string.</summary>
    private void Stream(int row, RowState state, DecodingOptions options, Action<int, string> onText, int firstIndex)
    {
        string text;
        if (state.FinishReason is not null) text = state.Result(_tokenizer).Text;
        else
        {
            text = _tokenizer.DecodeStablePrefix(state.TokenIds);
            var held = 0;
            foreach (var stop in options.StopStrings)
                for (var k = Math.Min(stop.Length - 1, text.Length); k > held; k--)
                    if (text.EndsWith(stop[..k], StringComparison.Ordinal)) { held = k; break; }
            text = text[..(text.Length - held)];
        }
        if (text.Length <= state.Streamed) return;
        onText(firstIndex + row, text[state.Streamed..]);
        state.Streamed = text.Length;
    }

    private IReadOnlyList<GeneratedText> RunBatch(string[] prompts, int firstIndex, DecodingOptions options, Action<int, RowState>? afterStep, CancellationToken cancellationToken)
    {
        var encoded = prompts.Select(p => _tokenizer.Encode(p, addBos: true)).ToArray();
        for (var i = 0; i < encoded.Length; i++)
        {
            if (encoded[i].Count == 0)
                throw new ArgumentException($"Prompt {firstIndex + i} encodes to no tokens (empty prompt and no BOS); give it some text.", nameof(prompts));
        }
        var rows = prompts.Select((_, i) => new RowState(SeededRandom.ForPrompt(options.Seed, firstIndex + i))).ToArray();
        if (options.MaxNewTokens == 0) return rows.Select(r => r.Result(_tokenizer)).ToArray();

        var batch = new LeftPaddedBatch(encoded, _tokenizer.PadId);
        var mask = new List<long>[batch.Rows];
        var nextPosition = new long[batch.Rows];
        for (var r = 0; r < batch.Rows; r++)
        {
            mask[r] = [.. batch.AttentionMask.AsSpan(r * batch.Width, batch.Width).ToArray()];
            nextPosition[r] = encoded[r].Count;
        }

        using var session = _model.StartSession(batch.Rows);
        var logits = Forward(session, batch.Tokens, batch.AttentionMask, batch.PositionIds, batch.Rows, batch.Width);
        var nextTokens = new long[batch.Rows];
        var positions = new long[batch.Rows];
        for (var step = 0; ; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (var r = 0; r < batch.Rows; r++)
            {
                var row = rows[r];
                if (row.FinishReason is null)
                {
                    Advance(row, logits.AsSpan(r * _model.VocabSize, _model.VocabSize), options);
                    afterStep?.Invoke(r, row);
                }
                var active = row.FinishReason is null;
                // Finished rows keep the batch shape: a pad token that nobody attends to (mask 0).
                nextTokens[r] = active ? row.TokenIds[^1] : _tokenizer.PadId;
                positions[r] = active ? nextPosition[r]++ : Math.Max(0, nextPosition[r] - 1);
                mask[r].Add(active ? 1 : 0);
            }
            if (rows.All(r => r.FinishReason is not null)) break;
            var maskBlock = mask.SelectMany(m => m).ToArray();
            logits = Forward(session, nextTokens, maskBlock, positions, batch.Rows, 1);
        }
        return rows.Select(r => r.Result(_tokenizer)).ToArray();
    }

    private void Advance(RowState row, ReadOnlySpan<float> logits, DecodingOptions options)
    {
        var token = options.Temperature == 0
            ? TokenSampler.Greedy(logits, Candidates)
            : TokenSampler.Sample(logits, Candidates, options.Temperature, options.TopP, row.Random);
        if (_eosIds.Contains(token))
        {
            row.FinishReason = "eos";
            return;
        }
        row.TokenIds.Add(token);
        if (options.StopStrings.Count > 0)
        {
            var text = _tokenizer.DecodeStablePrefix(row.TokenIds);
            var cut = options.StopStrings.Select(s => text.IndexOf(s, StringComparison.Ordinal)).Where(i => i >= 0).DefaultIfEmpty(-1).Min();
            if (cut >= 0)
            {
                row.FinishReason = "stop";
                row.StoppedText = text[..cut];
                return;
            }
        }
        if (row.TokenIds.Count >= options.MaxNewTokens) row.FinishReason = "length";
    }

    private float[] Forward(IDecoderSession session, long[] tokens, long[] mask, long[] positions, int rows, int seq, bool allPositions = false)
    {
        var logits = session.Forward(tokens, mask, positions, seq, allPositions);
        var expected = (long)rows * (allPositions ? seq : 1) * _model.VocabSize;
        if (logits.Length != expected)
            throw new InvalidOperationException($"The decoder model returned {logits.Length} logits; expected {expected} ({rows} rows x {(allPositions ? seq : 1)} positions x vocab {_model.VocabSize}).");
        return logits;
    }

    public IReadOnlyList<ContinuationScore> ScoreContinuations(IReadOnlyList<(string Context, string Continuation)> pairs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var requests = pairs.Select(p => ScoringRequest.Create(_tokenizer, p.Context, p.Continuation)).ToArray();
        var scores = new ContinuationScore[requests.Length];
        for (var start = 0; start < requests.Length; start += _scoringBatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var chunk = requests.Skip(start).Take(_scoringBatchSize).ToArray();
            var logProbabilities = ScoreBatch(chunk);
            for (var i = 0; i < chunk.Length; i++)
                scores[start + i] = new ContinuationScore(logProbabilities[i], chunk[i].ContinuationIds.Count, Encoding.UTF8.GetByteCount(chunk[i].Continuation));
        }
        return scores;
    }

    private double[] ScoreBatch(ScoringRequest[] requests)
    {
        var result = new double[requests.Length];
        var scored = requests.Select((r, i) => (Request: r, Index: i)).Where(x => x.Request.ContinuationIds.Count > 0).ToArray();
        if (scored.Length == 0) return result;

        // The model reads context + continuation without the last token; each continuation token is predicted one position earlier.
        var inputs = scored.Select(x => (IReadOnlyList<int>)x.Request.ContextIds.Concat(x.Request.ContinuationIds).SkipLast(1).ToArray()).ToArray();
        var batch = new LeftPaddedBatch(inputs, _tokenizer.PadId);
        using var session = _model.StartSession(batch.Rows);
        var logits = Forward(session, batch.Tokens, batch.AttentionMask, batch.PositionIds, batch.Rows, batch.Width, allPositions: true);
        var vocab = _model.VocabSize;
        for (var r = 0; r < scored.Length; r++)
        {
            var request = scored[r].Request;
            var sum = 0.0;
            for (var j = 0; j < request.ContinuationIds.Count; j++)
            {
                var column = batch.Offsets[r] + request.ContextIds.Count - 1 + j;
                var row = logits.AsSpan((r * batch.Width + column) * vocab, vocab);
                sum += LogSoftmaxAt(row, request.ContinuationIds[j]);
            }
            result[scored[r].Index] = sum;
        }
        return result;
    }

    /// <summary>log softmax(logits)[index], computed in double around the row maximum.</summary>
    public static double LogSoftmaxAt(ReadOnlySpan<float> logits, int index)
    {
        double max = double.NegativeInfinity;
        foreach (var l in logits) max = Math.Max(max, l);
        var sum = 0.0;
        foreach (var l in logits) sum += Math.Exp(l - max);
        return logits[index] - max - Math.Log(sum);
    }

    public void Dispose() => _model.Dispose();

    private sealed class RowState(SeededRandom random)
    {
        public SeededRandom Random { get; } = random;
        public List<int> TokenIds { get; } = [];
        public string? FinishReason { get; set; }
        public string? StoppedText { get; set; }
        /// <summary>Characters of the text already streamed.</summary>
        public int Streamed { get; set; }

        public GeneratedText Result(TextTokenizer tokenizer) =>
            new(StoppedText ?? tokenizer.Decode(TokenIds), TokenIds.ToArray(), FinishReason ?? "length");
    }
}
