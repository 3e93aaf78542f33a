using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace MedTune.Checkpoints.Tokenization;

/// <summary>Byte-level BPE pre-tokenisation: cuts text into the words that BPE merges never cross.</summary>
internal interface IWordSplitter
{
    IEnumerable<Range> Split(string text);
}

/// <summary>
/// GPT-2's pattern <c>'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+</c>, evaluated
/// per Unicode code point. .NET's Regex sees UTF-16 code units, so a letter outside the BMP (𠮷) would fall into
/// the punctuation class there; HF tokenizers treats it as a letter, and so does this.
/// </summary>
internal sealed class Gpt2WordSplitter : IWordSplitter
{
    private static readonly string[] Contractions = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d"];

    private enum Kind { Letter, Number, Space, Other }

    public IEnumerable<Range> Split(string text)
    {
        var i = 0;
        while (i < text.Length)
        {
            var end = MatchAt(text, i);
            yield return new Range(i, end);
            i = end;
        }
    }

    private static int MatchAt(string text, int start)
    {
        if (text[start] == '\'')
        {
            foreach (var c in Contractions)
            {
                if (string.CompareOrdinal(text, start, c, 0, c.Length) == 0) return start + c.Length;
            }
        }

        var kind = KindAt(text, start);
        if (kind == Kind.Space)
        {
            // ' ?X+' alternatives: a single space followed by a non-space run joins that run.
            if (text[start] == ' ' && start + 1 < text.Length && KindAt(text, start + 1) != Kind.Space)
                return RunEnd(text, start + 1, KindAt(text, start + 1));
            var runEnd = RunEnd(text, start, Kind.Space);
            if (runEnd == text.Length) return runEnd;
            // '\s+(?!\S)' leaves the last whitespace character for the next word; '\s+' takes a lone one.
            var runLength = CodePointCount(text, start, runEnd);
            return runLength >= 2 ? PreviousCodePoint(text, runEnd) : runEnd;
        }
        return RunEnd(text, start, kind);
    }

    private static int RunEnd(string text, int start, Kind kind)
    {
        var i = start;
        while (i < text.Length && KindAt(text, i) == kind) i += Rune.GetRuneAt(text, i).Utf16SequenceLength;
        return i;
    }

    private static Kind KindAt(string text, int index)
    {
        if (!Rune.TryGetRuneAt(text, index, out var rune)) return Kind.Other; // lone surrogate
        if (Rune.IsWhiteSpace(rune)) return Kind.Space;
        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => Kind.Letter,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => Kind.Number,
            _ => Kind.Other,
        };
    }

    private static int CodePointCount(string text, int start, int end)
    {
        var count = 0;
        for (var i = start; i < end; i += Rune.GetRuneAt(text, i).Utf16SequenceLength) count++;
        return count;
    }

    private static int PreviousCodePoint(string text, int end) =>
        end >= 2 && char.IsLowSurrogate(text[end - 1]) && char.IsHighSurrogate(text[end - 2]) ? end - 2 : end - 1;
}

/// <summary>
/// A tokenizer.json <c>Split</c> pre-tokenizer with behaviour <c>Isolated</c> (Llama 3, Qwen): every match is a word,
/// and so is every stretch between matches. .NET Regex matches UTF-16 code units, so a character outside the BMP
/// (emoji, 𠮷) would be two "characters" of category Cs; HF matches code points. Each such character is therefore
/// replaced by one BMP stand-in of the same class (letter, number, other) before matching, and ranges are mapped back.
/// </summary>
internal sealed class RegexWordSplitter(Regex pattern) : IWordSplitter
{
    private const char LetterStandIn = '\u3400';  // CJK Extension A, category Lo
    private const char NumberStandIn = '\u2160';  // Roman numeral one, category Nl
    private const char OtherStandIn = '\uE000';   // private use, neither letter, number nor space

    public IEnumerable<Range> Split(string text)
    {
        var (matchable, starts) = WithBmpStandIns(text);
        var last = 0;
        foreach (Match match in pattern.Matches(matchable))
        {
            if (match.Length == 0) continue;
            if (match.Index > last) yield return new Range(starts[last], starts[match.Index]);
            yield return new Range(starts[match.Index], starts[match.Index + match.Length]);
            last = match.Index + match.Length;
        }
        if (last < matchable.Length) yield return new Range(starts[last], text.Length);
    }

    /// <summary>The text with one char per code point, and where each of those chars starts in the original.</summary>
    private static (string Matchable, int[] Starts) WithBmpStandIns(string text)
    {
        var chars = new List<char>(text.Length);
        var starts = new List<int>(text.Length + 1);
        for (var i = 0; i < text.Length;)
        {
            starts.Add(i);
            if (char.IsHighSurrogate(text[i]) && Rune.TryGetRuneAt(text, i, out var rune))
            {
                chars.Add(Rune.GetUnicodeCategory(rune) switch
                {
                    UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                        or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => LetterStandIn,
                    UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => NumberStandIn,
                    _ => OtherStandIn,
                });
                i += 2;
            }
            else
            {
                chars.Add(text[i]);
                i++;
            }
        }
        starts.Add(text.Length);
        return (new string(chars.ToArray()), starts.ToArray());
    }
}
