using MedTune.Checkpoints;
using MedTune.Checkpoints.Tokenization;
using MedTune.Testing;

namespace MedTune.Inference.Tests.Tokenization;

public sealed class LoadingTests
{
    [Fact]
    public void GenerationConfigAddsEosIds()
    {
        using var temp = new TempDirectory();
        BuiltinTokenizers.Write(BuiltinTokenizers.GptNeoX, temp.Path);
        File.WriteAllText(temp.File("generation_config.json"), """{"eos_token_id": [0, 5], "bos_token_id": 0}""");
        File.WriteAllText(temp.File("config.json"), """{"eos_token_id": 7}""");
        var tokenizer = TextTokenizer.Load(temp.Path);
        Assert.Equal([0, 5, 7], tokenizer.EosIds);
    }

    [Fact]
    public void FilesToCopyListsTheTokenizerFilesPresent()
    {
        using var temp = new TempDirectory();
        BuiltinTokenizers.Write(BuiltinTokenizers.Llama, temp.Path);
        var tokenizer = TextTokenizer.Load(temp.Path);
        Assert.Equal(["special_tokens_map.json", "tokenizer.model", "tokenizer_config.json"],
            tokenizer.FilesToCopy.Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void MissingTokenizerNamesBothFileKinds()
    {
        using var temp = new TempDirectory();
        var e = Assert.Throws<CheckpointException>(() => TextTokenizer.Load(temp.Path));
        Assert.Contains("tokenizer.json", e.Message);
        Assert.Contains("tokenizer.model", e.Message);
    }

    [Fact]
    public void MalformedConfigNamesFileAndLine()
    {
        using var temp = new TempDirectory();
        BuiltinTokenizers.Write(BuiltinTokenizers.Llama, temp.Path);
        File.WriteAllText(temp.File("tokenizer_config.json"), "{\n  \"add_bos_token\": true,\n  \"bos_token\": \n}");
        var e = Assert.Throws<CheckpointException>(() => TextTokenizer.Load(temp.Path));
        Assert.Contains("tokenizer_config.json", e.Message);
        Assert.Contains("line 4", e.Message);
    }

    [Fact]
    public void UnknownSpecialTokenNamesTheKey()
    {
        using var temp = new TempDirectory();
        BuiltinTokenizers.Write(BuiltinTokenizers.GptNeoX, temp.Path);
        File.WriteAllText(temp.File("tokenizer_config.json"), """{"eos_token": "<|im_end|>"}""");
        var e = Assert.Throws<CheckpointException>(() => TextTokenizer.Load(temp.Path));
        Assert.Contains("eos_token", e.Message);
        Assert.Contains("<|im_end|>", e.Message);
    }

    [Fact]
    public void CorruptSentencePieceModelIsReported()
    {
        using var temp = new TempDirectory();
        File.WriteAllBytes(temp.File("tokenizer.model"), [0x0A, 0xFF, 0xFF, 0x01]);
        var e = Assert.Throws<CheckpointException>(() => TextTokenizer.Load(temp.Path));
        Assert.Contains("tokenizer.model", e.Message);
    }

    [Fact]
    public void UnsupportedTokenizerJsonNamesTheKey()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.File("tokenizer.json"), """{"model": {"type": "WordPiece", "vocab": {}}}""");
        var e = Assert.Throws<CheckpointException>(() => TextTokenizer.Load(temp.Path));
        Assert.Contains("model.type", e.Message);
        Assert.Contains("WordPiece", e.Message);
    }

    [Fact]
    public void MalformedTokenizerJsonNamesFileAndLine()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.File("tokenizer.json"), "{\n  \"model\": {\n    \"type\": \"BPE\",,\n}");
        var e = Assert.Throws<CheckpointException>(() => TextTokenizer.Load(temp.Path));
        Assert.Contains("tokenizer.json", e.Message);
        Assert.Contains("line 3", e.Message);
    }

    [Fact]
    public void WrongValueTypeInTokenizerJsonIsACheckpointError()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.File("tokenizer.json"), """{"model": {"type": "BPE", "vocab": {"a": "zero"}, "merges": []}}""");
        var e = Assert.Throws<CheckpointException>(() => TextTokenizer.Load(temp.Path));
        Assert.Contains("tokenizer.json", e.Message);
    }

    [Fact]
    public void SentencePieceJsonBesideTokenizerModelDefersToTheModel()
    {
        // Llama 2 repositories ship a converted tokenizer.json (byte_fallback: true) next to tokenizer.model.
        using var temp = new TempDirectory();
        BuiltinTokenizers.Write(BuiltinTokenizers.Llama, temp.Path);
        File.WriteAllText(temp.File("tokenizer.json"), """{"model": {"type": "BPE", "byte_fallback": true, "vocab": {}, "merges": []}}""");
        var tokenizer = TextTokenizer.Load(temp.Path);
        Assert.Equal("患者は発熱", tokenizer.Decode(tokenizer.Encode("患者は発熱")));
        Assert.Equal(1, tokenizer.BosId);
    }

    [Fact]
    public void NfcNormalizerComposesCombiningMarks()
    {
        using var temp = new TempDirectory();
        BuiltinTokenizers.Write(BuiltinTokenizers.GptNeoX, temp.Path);
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(temp.File("tokenizer.json")))!;
        var plain = TextTokenizer.Load(temp.Path);
        json["normalizer"] = new System.Text.Json.Nodes.JsonObject { ["type"] = "NFC" };
        File.WriteAllText(temp.File("tokenizer.json"), json.ToJsonString());
        var nfc = TextTokenizer.Load(temp.Path);
        const string decomposed = "\u304B\u3099\u30D8\u309A"; // か + ゛, ヘ + ゜
        Assert.Equal(plain.Encode("がペ"), nfc.Encode(decomposed));
        Assert.NotEqual(plain.Encode("がペ"), plain.Encode(decomposed));
    }

    [Fact]
    public void SentencePieceWithACorruptCharacterMapIsACheckpointError()
    {
        using var temp = new TempDirectory();
        BuiltinTokenizers.Write(BuiltinTokenizers.Llama, temp.Path);
        // Append a normalizer_spec (field 3) holding name "nmt_nfkc" (1) and a 3-byte precompiled_charsmap (2), shorter
        // than the map's own 4-byte header. (Real maps are applied: tests/MedTune.Checkpoints.Tests TokenizerParityTests.)
        byte[] name = [.. "nmt_nfkc"u8];
        byte[] spec = [0x0A, (byte)name.Length, .. name, 0x12, 0x03, 0x01, 0x02, 0x03];
        File.WriteAllBytes(temp.File("tokenizer.model"), [.. File.ReadAllBytes(temp.File("tokenizer.model")), 0x1A, (byte)spec.Length, .. spec]);
        var e = Assert.Throws<CheckpointException>(() => TextTokenizer.Load(temp.Path));
        Assert.Contains("nmt_nfkc", e.Message);
        Assert.Contains("tokenizer.model", e.Message);
    }

    [Fact]
    public void NegativeVocabularyIdIsACheckpointError()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.File("tokenizer.json"), """{"model": {"type": "BPE", "vocab": {"a": -1}, "merges": []}, "pre_tokenizer": {"type": "ByteLevel"}}""");
        var e = Assert.Throws<CheckpointException>(() => TextTokenizer.Load(temp.Path));
        Assert.Contains("tokenizer.json", e.Message);
    }
}
