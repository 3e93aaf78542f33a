namespace MedTune.Checkpoints.Tokenization;

/// <summary>
/// Finds a tokenizer's added tokens (<c>&lt;|endoftext|&gt;</c>, chat markers) in raw text before pre-tokenisation, as HF
/// tokenizers does: at each position the longest added token that starts there wins.
/// </summary>
internal sealed class AddedTokenSplitter(IReadOnlyDictionary<string, int> addedTokens)
{
    private readonly Dictionary<char, string[]> _byFirstChar = addedTokens.Keys.Where(k => k.Length > 0)
        .GroupBy(k => k[0])
        .ToDictionary(g => g.Key, g => g.OrderByDescending(k => k.Length).ThenBy(k => k, StringComparer.Ordinal).ToArray());

    /// <summary>Pieces of <paramref name="text"/> in order: plain text (<c>Id</c> null) or an added token with its id.</summary>
    public IEnumerable<(Range Range, int? Id)> Split(string text)
    {
        var plainStart = 0;
        var i = 0;
        while (i < text.Length)
        {
            var token = MatchAt(text, i);
            if (token is null)
            {
                i++;
                continue;
            }
            if (i > plainStart) yield return (new Range(plainStart, i), null);
            yield return (new Range(i, i + token.Length), addedTokens[token]);
            i += token.Length;
            plainStart = i;
        }
        if (plainStart < text.Length) yield return (new Range(plainStart, text.Length), null);
    }

    private string? MatchAt(string text, int index)
    {
        if (!_byFirstChar.TryGetValue(text[index], out var candidates)) return null;
        foreach (var token in candidates)
        {
            if (token.Length <= text.Length - index && string.CompareOrdinal(text, index, token, 0, token.Length) == 0) return token;
        }
        return null;
    }
}
