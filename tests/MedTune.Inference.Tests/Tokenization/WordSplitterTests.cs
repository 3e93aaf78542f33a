using System.Text.RegularExpressions;
using MedTune.Checkpoints.Tokenization;

namespace MedTune.Inference.Tests.Tokenization;

/// <summary>Pre-tokenisation of characters outside the BMP, where UTF-16 regex matching differs from HF's code points.</summary>
public sealed class WordSplitterTests
{
    private const string Llama3Pattern =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    [Theory]
    // An emoji (not a letter) may lead a letter run, as one code point.
    [InlineData("顔文字😊や記号", new[] { "顔文字", "😊や記号" })]
    // A non-BMP kanji is a letter and joins its neighbours.
    [InlineData("𠮷野家へ", new[] { "𠮷野家へ" })]
    // Astral digits count as one each in \p{N}{1,3}.
    [InlineData("𝟏𝟐𝟑𝟒", new[] { "𝟏𝟐𝟑", "𝟒" })]
    public void SplitRegexSeesCodePoints(string text, string[] expected)
    {
        var splitter = new RegexWordSplitter(new Regex(Llama3Pattern));
        Assert.Equal(expected, splitter.Split(text).Select(r => text[r]));
        // Plain .NET matching gets these wrong, which is why the splitter substitutes BMP stand-ins.
        Assert.NotEqual(expected, Regex.Matches(text, Llama3Pattern).Select(m => m.Value));
    }

    [Theory]
    [InlineData("It's 2 patients'  notes\n\n次", new[] { "It", "'s", " 2", " patients", "'", " ", " notes", "\n", "\n", "次" })]
    [InlineData("顔文字😊や𠮷野", new[] { "顔文字", "😊", "や𠮷野" })]
    public void Gpt2SplitterFollowsThePatternPerCodePoint(string text, string[] expected)
    {
        Assert.Equal(expected, new Gpt2WordSplitter().Split(text).Select(r => text[r]));
    }
}
