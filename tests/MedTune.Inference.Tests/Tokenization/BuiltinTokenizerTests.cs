using MedTune.Checkpoints.Tokenization;
using MedTune.Testing;

namespace MedTune.Inference.Tests.Tokenization;

public sealed class BuiltinTokenizerTests
{
    // Characters that never occur in the embedded corpus: rare kanji, a non-BMP kanji, emoji, Hangul, Latin accents.
    private const string Unseen = "鬱蠕顰𠮷😷🫀한국어 Ωmega café\tタブ\n改行";

    [Theory]
    [InlineData(BuiltinTokenizers.Llama)]
    [InlineData(BuiltinTokenizers.GptNeoX)]
    public void SameCallWritesByteIdenticalFiles(string family)
    {
        using var temp = new TempDirectory();
        var first = Path.Combine(temp.Path, "a");
        var second = Path.Combine(temp.Path, "b");
        var size = BuiltinTokenizers.Write(family, first);
        Assert.Equal(size, BuiltinTokenizers.Write(family, second));
        var names = Directory.GetFiles(first).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(names, Directory.GetFiles(second).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray());
        Assert.DoesNotContain(names, n => n!.EndsWith(".tmp"));
        foreach (var name in names)
            Assert.Equal(File.ReadAllBytes(Path.Combine(first, name!)), File.ReadAllBytes(Path.Combine(second, name!)));
    }

    [Theory]
    [InlineData(BuiltinTokenizers.Llama)]
    [InlineData(BuiltinTokenizers.GptNeoX)]
    public void VocabularyIsSmallAndLearnedFromTheCorpus(string family)
    {
        using var temp = new TempDirectory();
        var size = BuiltinTokenizers.Write(family, temp.Path);
        var tokenizer = TextTokenizer.Load(temp.Path);
        Assert.Equal(size, tokenizer.VocabSize);
        Assert.InRange(size, 1000, BuiltinTokenizers.TargetVocabSize);
        // The Alpaca template is in the corpus, so it must take well under one token per character.
        const string template = "以下は、タスクを説明する指示と、文脈のある入力の組み合わせです。要求を適切に満たす応答を書きなさい。";
        Assert.InRange(tokenizer.Encode(template, addBos: false).Count, 1, template.Length / 2);
    }

    [Theory]
    [InlineData(BuiltinTokenizers.Llama)]
    [InlineData(BuiltinTokenizers.GptNeoX)]
    public void UnseenCharactersFallBackToBytesAndRoundTrip(string family)
    {
        using var temp = new TempDirectory();
        var tokenizer = TokenizerFixtures.Builtin(family, temp);
        var ids = tokenizer.Encode(Unseen, addBos: false);
        if (family == BuiltinTokenizers.Llama) Assert.DoesNotContain(0, ids); // <unk>
        Assert.Equal(Unseen, tokenizer.Decode(ids));
        foreach (var line in BuiltinTokenizers.CorpusLines())
            Assert.Equal(line, tokenizer.Decode(tokenizer.Encode(line)));
    }

    [Fact]
    public void SpecialTokensFollowTheWrittenConfig()
    {
        using var temp = new TempDirectory();
        var llama = TokenizerFixtures.Builtin(BuiltinTokenizers.Llama, temp);
        Assert.Equal(1, llama.BosId);
        Assert.Equal([2], llama.EosIds);
        Assert.Equal(2, llama.PadId); // no pad token: falls back to EOS
        Assert.True(llama.AddsBos);

        var neox = TokenizerFixtures.Builtin(BuiltinTokenizers.GptNeoX, temp);
        Assert.Equal(0, neox.BosId);
        Assert.Equal([0], neox.EosIds);
        Assert.Equal(1, neox.PadId);
        Assert.False(neox.AddsBos);
        Assert.Equal(neox.Encode("患者", addBos: false), neox.Encode("患者", addBos: true));
    }

    [Fact]
    public void UnknownFamilyIsRejectedWithTheKnownOnes()
    {
        using var temp = new TempDirectory();
        var e = Assert.Throws<ArgumentException>(() => BuiltinTokenizers.Write("bert", temp.Path));
        Assert.Contains("llama", e.Message);
        Assert.Contains("gpt_neox", e.Message);
    }
}
