using MedTune.Checkpoints.Tokenization;
using MedTune.Testing;

namespace MedTune.Inference.Tests.Tokenization;

/// <summary>TextTokenizer's ids and text against real SentencePiece and an independent byte-level BPE encoder.</summary>
public sealed class ReferenceEncodingTests
{
    [Fact]
    public void SentencePieceModelTrainedBySpmTrainEncodesLikeSpmEncode()
    {
        var tokenizer = TextTokenizer.Load(TokenizerFixtures.File("spm_reference"));
        var sentences = TokenizerFixtures.Lines("sentences_ja.txt");
        var expected = TokenizerFixtures.Ids("spm_reference_ids.txt");
        var decoded = TokenizerFixtures.Lines("spm_reference_decoded.txt");
        Assert.Equal(sentences.Length, expected.Length);
        for (var i = 0; i < sentences.Length; i++)
        {
            Assert.Equal(expected[i], tokenizer.Encode(sentences[i], addBos: false));
            Assert.Equal(decoded[i], tokenizer.Decode(expected[i]));
        }
    }

    [Fact]
    public void SentencePieceAddsBosButNeverEos()
    {
        var tokenizer = TextTokenizer.Load(TokenizerFixtures.File("spm_reference"));
        var ids = tokenizer.Encode("患者は発熱を訴えた。");
        Assert.Equal(1, tokenizer.BosId);
        Assert.Equal([2], tokenizer.EosIds);
        Assert.Equal(1, ids[0]);
        Assert.DoesNotContain(2, ids);
        Assert.Equal(tokenizer.Encode("患者は発熱を訴えた。", addBos: false), ids.Skip(1));
    }

    [Fact]
    public void BuiltinLlamaTokenizerIsARealSentencePieceModel()
    {
        using var temp = new TempDirectory();
        var tokenizer = TokenizerFixtures.Builtin(BuiltinTokenizers.Llama, temp);
        var sentences = TokenizerFixtures.Lines("sentences_ja.txt");
        var expected = TokenizerFixtures.Ids("builtin_llama_ids.txt");
        var decoded = TokenizerFixtures.Lines("builtin_llama_decoded.txt");
        for (var i = 0; i < sentences.Length; i++)
        {
            Assert.Equal(expected[i], tokenizer.Encode(sentences[i], addBos: false));
            Assert.Equal(decoded[i], tokenizer.Decode(expected[i]));
            Assert.Equal(sentences[i], decoded[i]); // no whitespace collapsing: Llama keeps text as written
        }
    }

    [Fact]
    public void BuiltinGptNeoXTokenizerEncodesLikeTheIndependentReference()
    {
        using var temp = new TempDirectory();
        var tokenizer = TokenizerFixtures.Builtin(BuiltinTokenizers.GptNeoX, temp);
        var sentences = TokenizerFixtures.Lines("sentences_ja.txt").Concat(TokenizerFixtures.Lines("bytelevel_extra.txt", unescape: true)).ToArray();
        var expected = TokenizerFixtures.Ids("builtin_gpt_neox_ids.txt");
        Assert.Equal(sentences.Length, expected.Length);
        for (var i = 0; i < sentences.Length; i++)
        {
            Assert.Equal(expected[i], tokenizer.Encode(sentences[i]));
            var withoutSpecials = sentences[i].Replace("<|endoftext|>", "").Replace("<|padding|>", "");
            Assert.Equal(withoutSpecials, tokenizer.Decode(expected[i]));
        }
    }

    [Fact]
    public void Llama3StyleTokenizerJsonEncodesLikeTheIndependentReference()
    {
        // Split regex + ByteLevel pre-tokenizer, merges as pairs, ignore_merges, BOS from a TemplateProcessing post-processor.
        var tokenizer = TextTokenizer.Load(TokenizerFixtures.File("llama3_style"));
        var sentences = TokenizerFixtures.Lines("sentences_ja.txt").Concat(TokenizerFixtures.Lines("bytelevel_extra.txt", unescape: true)).ToArray();
        var expected = TokenizerFixtures.Ids("llama3_style_ids.txt");
        Assert.Equal(sentences.Length, expected.Length);
        for (var i = 0; i < sentences.Length; i++)
        {
            Assert.Equal(expected[i], tokenizer.Encode(sentences[i]));
            Assert.Equal(sentences[i].Replace("<|endoftext|>", "").Replace("<|padding|>", ""), tokenizer.Decode(expected[i]));
        }
        var bos = tokenizer.TokenToId("<|begin_of_text|>");
        Assert.Equal(bos, tokenizer.BosId);
        Assert.True(tokenizer.AddsBos);
        Assert.Equal([tokenizer.TokenToId("<|eot_id|>")!.Value, tokenizer.TokenToId("<|end_of_text|>")!.Value], tokenizer.EosIds);
    }
}
