using MedTune.Checkpoints.Tokenization;

namespace MedTune.Inference;

/// <summary>
/// One (context, continuation) pair tokenised as lm-evaluation-harness does: trailing spaces of the context move to
/// the continuation, context + continuation is encoded as a whole, and the continuation's tokens are those beyond the
/// context's own token count, so a token spanning the boundary belongs to the continuation.
/// </summary>
internal sealed record ScoringRequest(string Continuation, IReadOnlyList<int> ContextIds, IReadOnlyList<int> ContinuationIds)
{
    public static ScoringRequest Create(TextTokenizer tokenizer, string context, string continuation)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(continuation);
        var original = continuation;
        var trailingSpaces = context.Length - context.TrimEnd().Length;
        if (trailingSpaces > 0)
        {
            continuation = context[^trailingSpaces..] + continuation;
            context = context[..^trailingSpaces];
        }

        var whole = tokenizer.Encode(context + continuation, addBos: true);
        var contextIds = tokenizer.Encode(context, addBos: true);
        var continuationIds = whole.Skip(contextIds.Count).ToArray();
        if (contextIds.Count == 0)
        {
            // Nothing to condition on (empty context, no BOS): lm-evaluation-harness conditions on the end-of-text token.
            var prefix = tokenizer.BosId ?? (tokenizer.EosIds.Count > 0 ? tokenizer.EosIds[0] : throw new ArgumentException(
                "An empty context needs a BOS or EOS token to condition on; this tokenizer has neither.", nameof(context)));
            contextIds = [prefix];
        }
        return new ScoringRequest(original, contextIds, continuationIds);
    }
}
