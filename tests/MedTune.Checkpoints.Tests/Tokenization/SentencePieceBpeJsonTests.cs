using System.Text.Json.Nodes;
using MedTune.Checkpoints.Tokenization;
using MedTune.Testing;

namespace MedTune.Checkpoints.Tests.Tokenization;

/// <summary>
/// A small SentencePiece-style tokenizer.json written here: what the file says is applied, and what medtune would
/// apply differently from HF is refused naming the key.
/// </summary>
public sealed class SentencePieceBpeJsonTests
{
    /// <summary>Pieces ▁, a, b, ▁a, ab, ▁ab, the bytes of "é" (C3 A9), unk/bos/eos; merges "▁ a", "a b", "▁a b".</summary>
    private static JsonObject Tokenizer() => JsonNode.Parse("""
        {
          "added_tokens": [
            {"id": 0, "content": "<unk>", "special": true, "normalized": false, "lstrip": false, "rstrip": false, "single_word": false},
            {"id": 1, "content": "<s>", "special": true, "normalized": false, "lstrip": false, "rstrip": false, "single_word": false},
            {"id": 2, "content": "</s>", "special": true, "normalized": false, "lstrip": false, "rstrip": false, "single_word": false}
          ],
          "normalizer": {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "▁"}, {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]},
          "pre_tokenizer": null,
          "post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}]},
          "decoder": {"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "▁"}, "content": " "}, {"type": "ByteFallback"}, {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
          "model": {"type": "BPE", "dropout": null, "unk_token": "<unk>", "fuse_unk": true, "byte_fallback": true,
            "vocab": {"<unk>": 0, "<s>": 1, "</s>": 2, "<0xC3>": 3, "<0xA9>": 4, "▁": 5, "a": 6, "b": 7, "▁a": 8, "ab": 9, "▁ab": 10},
            "merges": ["▁ a", "a b", "▁a b"]}
        }
        """)!.AsObject();

    private static TextTokenizer Load(JsonObject json, TempDirectory temp)
    {
        File.WriteAllText(temp.File(TextTokenizer.TokenizerJsonFile), json.ToJsonString());
        return TextTokenizer.Load(temp.Path);
    }

    [Fact]
    public void MergesApplyByRankWithByteFallbackAndFusedUnknowns()
    {
        using var temp = new TempDirectory();
        var tokenizer = Load(Tokenizer(), temp);
        Assert.Equal([1, 10], tokenizer.Encode("ab"));                 // ▁ab: "▁ a" (rank 0) first, then "▁a b"
        Assert.Equal([8, 10], tokenizer.Encode("a ab", addBos: false));   // ▁a▁ab: "▁ a" (rank 0) at both ▁, then "▁a b"
        Assert.Equal([5, 3, 4], tokenizer.Encode("é", addBos: false));   // bytes C3 A9
        Assert.Equal([5, 0, 6], tokenizer.Encode("xyza", addBos: false)); // x, y, z have no piece and no byte piece: one unk
        Assert.Equal("a ab é", tokenizer.Decode([1, 8, 5, 9, 5, 3, 4]));  // BOS skipped, one leading space stripped
        Assert.Equal(1, tokenizer.BosId);
    }

    [Fact]
    public void LegacyPrependPutsTheDummyPrefixAfterEverySpecialTokenButMetaspaceFirstOnlyAtTheStart()
    {
        using var temp = new TempDirectory();
        var legacy = Load(Tokenizer(), temp);
        Assert.Equal([8, 2, 8], legacy.Encode("a</s>a", addBos: false));

        var json = Tokenizer();
        json["normalizer"] = null;
        json["pre_tokenizer"] = new JsonObject { ["type"] = "Metaspace", ["replacement"] = "▁", ["prepend_scheme"] = "first", ["split"] = false };
        var first = Load(json, temp);
        Assert.Equal([8, 2, 6], first.Encode("a</s>a", addBos: false));

        // Older files say add_prefix_space instead of prepend_scheme: true is "always".
        json["pre_tokenizer"] = new JsonObject { ["type"] = "Metaspace", ["replacement"] = "▁", ["add_prefix_space"] = true };
        Assert.Equal([8, 2, 8], Load(json, temp).Encode("a</s>a", addBos: false));
    }

    [Fact]
    public void AMetaspaceDecoderStripsTheFirstTokensSpaceAndLeavesByteTokensAsText()
    {
        // Expected value from HF tokenizers 0.22.2 on this file: its Metaspace decoder has no ByteFallback step.
        using var temp = new TempDirectory();
        var json = Tokenizer();
        json["decoder"] = new JsonObject { ["type"] = "Metaspace", ["replacement"] = "▁", ["prepend_scheme"] = "always", ["split"] = true };
        var tokenizer = Load(json, temp);
        Assert.Equal("<0xC3><0xA9> a a", tokenizer.Decode([5, 3, 4, 8, 5, 6]));
    }

    [Fact]
    public void ARunOfByteTokensThatIsNotUtf8DecodesToOneReplacementCharacterPerByteAsHfDoes()
    {
        using var temp = new TempDirectory();
        var tokenizer = Load(Tokenizer(), temp);
        Assert.Equal("a\uFFFD", tokenizer.Decode([8, 3]));                  // é cut after its first byte
        Assert.Equal("a\uFFFD\uFFFD a", tokenizer.Decode([8, 4, 3, 8]));     // A9 C3: both bytes replaced, not just one
        Assert.Equal("a", tokenizer.DecodeStablePrefix([8, 3]));              // streaming holds the unfinished character back
    }

    [Theory]
    [InlineData("Removed", "the|final|countdown")]
    [InlineData("Isolated", "the|-|final|-|-|countdown")]
    [InlineData("MergedWithPrevious", "the-|final-|-|countdown")]
    [InlineData("MergedWithNext", "the|-final|-|-countdown")]
    public void StringSplitFollowsHfDelimiterBehaviours(string behaviour, string expected)
    {
        // The examples of HF tokenizers' SplitDelimiterBehavior documentation.
        Assert.Equal(expected, string.Join('|', StringSplit.Apply("the-final--countdown", "-", Enum.Parse<SplitBehavior>(behaviour))));
    }

    [Theory]
    [InlineData("added_tokens", """{"id": 3, "content": "<0xC3>", "special": false, "lstrip": true}""")]
    [InlineData("normalizer.pattern", """{"type": "Replace", "pattern": {"Regex": " +"}, "content": "▁"}""")]
    [InlineData("normalizer", """{"type": "NFKC"}""")]
    [InlineData("pre_tokenizer", """{"type": "Whitespace"}""")]
    [InlineData("decoder", """{"type": "ByteLevel"}""")]
    [InlineData("model.dropout", "0.1")]
    public void WhatMedtuneWouldApplyDifferentlyIsRefusedNamingTheKey(string key, string value)
    {
        using var temp = new TempDirectory();
        var json = Tokenizer();
        var node = JsonNode.Parse(value);
        switch (key)
        {
            case "added_tokens": json["added_tokens"]!.AsArray().Add(node); break;
            case "normalizer.pattern": case "normalizer": json["normalizer"] = node; break;
            case "model.dropout": json["model"]!["dropout"] = node; break;
            default: json[key] = node; break;
        }
        var e = Assert.Throws<CheckpointException>(() => Load(json, temp));
        Assert.Contains($"'{key}'", e.Message);
        Assert.Contains("tokenizer.json", e.Message);
    }

    [Fact]
    public void AMergeNamingAMissingTokenIsRefused()
    {
        using var temp = new TempDirectory();
        var json = Tokenizer();
        json["model"]!["merges"]!.AsArray().Add("b b");
        var e = Assert.Throws<CheckpointException>(() => Load(json, temp));
        Assert.Contains("'model.merges' entry 3", e.Message);
    }

    [Fact]
    public void ACorruptPrecompiledMapIsRefused()
    {
        using var temp = new TempDirectory();
        var json = Tokenizer();
        json["normalizer"] = JsonNode.Parse("""{"type": "Precompiled", "precompiled_charsmap": "AAEAAA=="}""");
        var e = Assert.Throws<CheckpointException>(() => Load(json, temp));
        Assert.Contains("normalizer.precompiled_charsmap", e.Message);
    }
}
