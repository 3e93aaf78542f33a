namespace MedTune.Checkpoints.Tokenization;

/// <summary>How a SentencePiece-BPE tokenizer.json adds the dummy prefix '▁' (Metaspace <c>prepend_scheme</c>).</summary>
internal enum PrependScheme { Always, First, Never }

/// <summary>HF tokenizers' <c>SplitDelimiterBehavior</c> for a split on a fixed string.</summary>
internal enum SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext }

/// <summary>One step of a SentencePiece-BPE tokenizer.json's pre-tokenizer: a normalised segment in, words out.</summary>
internal interface ISentencePiecePreTokenizer
{
    /// <param name="segment">Normalised text between added tokens.</param>
    /// <param name="atTextStart">True when the segment starts at offset 0 of the original text (<c>prepend_scheme: first</c>).</param>
    IEnumerable<string> Split(string segment, bool atTextStart);
}

/// <summary>No pre-tokenizer: the whole segment is one word (Llama 2's tokenizer.json, whose normalizer adds '▁').</summary>
internal sealed class WholeSegment : ISentencePiecePreTokenizer
{
    public IEnumerable<string> Split(string segment, bool atTextStart) => [segment];
}

/// <summary>
/// HF's Metaspace pre-tokenizer: spaces become <c>replacement</c>, the dummy prefix is prepended per
/// <see cref="PrependScheme"/> when the segment does not already start with it, then (with <c>split</c>) words are cut
/// before each replacement character.
/// </summary>
internal sealed class Metaspace(char replacement, PrependScheme scheme, bool split) : ISentencePiecePreTokenizer
{
    public IEnumerable<string> Split(string segment, bool atTextStart)
    {
        var text = segment.Replace(' ', replacement);
        var prepend = scheme == PrependScheme.Always || (scheme == PrependScheme.First && atTextStart);
        if (prepend && !text.StartsWith(replacement)) text = replacement + text;
        return split ? StringSplit.Apply(text, replacement.ToString(), SplitBehavior.MergedWithNext) : [text];
    }
}

/// <summary>HF's Split pre-tokenizer with a String pattern (Gemma: " ", MergedWithPrevious).</summary>
internal sealed class StringSplitPreTokenizer(string pattern, SplitBehavior behavior) : ISentencePiecePreTokenizer
{
    public IEnumerable<string> Split(string segment, bool atTextStart) => StringSplit.Apply(segment, pattern, behavior);
}

/// <summary>HF tokenizers' <c>NormalizedString::split</c> for a fixed pattern: every occurrence is one match.</summary>
internal static class StringSplit
{
    public static List<string> Apply(string text, string pattern, SplitBehavior behavior)
    {
        var pieces = new List<(int Start, int End, bool IsMatch)>();
        var position = 0;
        while (pattern.Length > 0 && text.IndexOf(pattern, position, StringComparison.Ordinal) is var found and >= 0)
        {
            if (found > position) pieces.Add((position, found, false));
            pieces.Add((found, found + pattern.Length, true));
            position = found + pattern.Length;
        }
        if (position < text.Length) pieces.Add((position, text.Length, false));

        var merged = new List<(int Start, int End)>();
        var previousMatch = false;
        switch (behavior)
        {
            case SplitBehavior.Removed:
                merged.AddRange(pieces.Where(p => !p.IsMatch).Select(p => (p.Start, p.End)));
                break;
            case SplitBehavior.Isolated:
                merged.AddRange(pieces.Select(p => (p.Start, p.End)));
                break;
            case SplitBehavior.MergedWithPrevious:
                foreach (var p in pieces)
                {
                    if (p.IsMatch && !previousMatch && merged.Count > 0) merged[^1] = (merged[^1].Start, p.End);
                    else merged.Add((p.Start, p.End));
                    previousMatch = p.IsMatch;
                }
                break;
            case SplitBehavior.MergedWithNext:
                for (var i = pieces.Count - 1; i >= 0; i--)
                {
                    var p = pieces[i];
                    if (p.IsMatch && !previousMatch && merged.Count > 0) merged[^1] = (p.Start, merged[^1].End);
                    else merged.Add((p.Start, p.End));
                    previousMatch = p.IsMatch;
                }
                merged.Reverse();
                break;
        }
        return merged.Where(m => m.End > m.Start).Select(m => text[m.Start..m.End]).ToList();
    }
}
