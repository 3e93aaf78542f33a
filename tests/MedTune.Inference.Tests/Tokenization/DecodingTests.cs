using System.Text;
using MedTune.Checkpoints.Tokenization;
using MedTune.Testing;

namespace MedTune.Inference.Tests.Tokenization;

public sealed class DecodingTests
{
    private const string Text = "患者は𠮷野で倒れ😷、救急外来へ搬送された。 SpO2 93%";

    [Theory]
    [InlineData(BuiltinTokenizers.Llama)]
    [InlineData(BuiltinTokenizers.GptNeoX)]
    public void StablePrefixOnlyGrowsAndNeverShowsHalfACharacter(string family)
    {
        using var temp = new TempDirectory();
        var tokenizer = TokenizerFixtures.Builtin(family, temp);
        var ids = tokenizer.Encode(Text, addBos: false);
        var previous = "";
        var sawPartialCharacter = false;
        for (var n = 0; n <= ids.Count; n++)
        {
            var stable = tokenizer.DecodeStablePrefix(ids.Take(n));
            Assert.StartsWith(previous, stable, StringComparison.Ordinal);
            Assert.DoesNotContain('\uFFFD', stable);
            Assert.StartsWith(stable, Text, StringComparison.Ordinal);
            sawPartialCharacter |= tokenizer.Decode(ids.Take(n)).Contains('\uFFFD');
            previous = stable;
        }
        Assert.Equal(Text, previous);
        Assert.True(sawPartialCharacter, "the text should contain a character split over several byte tokens");
    }

    [Fact]
    public void SpecialTokensAreSkippedWhenDecoding()
    {
        using var temp = new TempDirectory();
        var tokenizer = TokenizerFixtures.Builtin(BuiltinTokenizers.Llama, temp);
        var ids = tokenizer.Encode("発熱").Append(tokenizer.EosIds[0]).ToArray();
        Assert.Equal("発熱", tokenizer.Decode(ids));
        Assert.Equal(Encoding.UTF8.GetByteCount("発熱"), tokenizer.ByteCount(ids));
    }

    [Fact]
    public void IdsOutsideTheVocabularyAreRejected()
    {
        using var temp = new TempDirectory();
        var tokenizer = TokenizerFixtures.Builtin(BuiltinTokenizers.GptNeoX, temp);
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Decode([tokenizer.VocabSize]));
    }
}
