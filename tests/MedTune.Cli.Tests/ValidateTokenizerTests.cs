using MedTune.Checkpoints;
using MedTune.Testing;
using static MedTune.Cli.Tests.TestExperiments;

namespace MedTune.Cli.Tests;

/// <summary>
/// Issue 13 item 1: a model directory whose only tokenizer is a SentencePiece-style tokenizer.json (Llama 2, Mistral,
/// Gemma, Swallow ship only this file) passes <c>validate</c>; one medtune cannot apply is refused naming the key.
/// </summary>
public sealed class ValidateTokenizerTests
{
    private const string SentencePieceTokenizerJson = """
        {
          "added_tokens": [
            {"id": 0, "content": "<unk>", "special": true}, {"id": 1, "content": "<s>", "special": true}, {"id": 2, "content": "</s>", "special": true}
          ],
          "normalizer": {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "▁"}, {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]},
          "pre_tokenizer": null,
          "post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}]},
          "decoder": {"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "▁"}, "content": " "}, {"type": "ByteFallback"}, {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
          "model": {"type": "BPE", "dropout": null, "unk_token": "<unk>", "fuse_unk": true, "byte_fallback": true,
            "vocab": {"<unk>": 0, "<s>": 1, "</s>": 2, "▁": 3, "a": 4, "▁a": 5}, "merges": ["▁ a"]}
        }
        """;

    [Fact]
    public async Task A_model_whose_only_tokenizer_is_a_sentencepiece_style_tokenizer_json_validates()
    {
        // medtune validate quickstart.yaml   (model.base: a directory with config.json, model.safetensors, tokenizer.json)
        using var dir = new TempDirectory();
        var model = WriteModel(dir.File("model"));
        File.WriteAllText(Path.Combine(model, "tokenizer.json"), SentencePieceTokenizerJson);
        var result = await CliRunner.RunAsync("validate", Quickstart(dir.Path, ("base: builtin:tiny-llama", "base: model")));
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}:\n{result.Output}");
    }

    [Fact]
    public async Task A_sentencepiece_style_tokenizer_json_with_a_regex_normalizer_is_refused_naming_the_key()
    {
        using var dir = new TempDirectory();
        var model = WriteModel(dir.File("model"));
        File.WriteAllText(Path.Combine(model, "tokenizer.json"),
            SentencePieceTokenizerJson.Replace("""{"type": "Replace", "pattern": {"String": " "}""", """{"type": "Replace", "pattern": {"Regex": " +"}"""));
        var result = await CliRunner.RunAsync("validate", Quickstart(dir.Path, ("base: builtin:tiny-llama", "base: model")));
        AssertBadInput(result, "model.base", "tokenizer.json", "'normalizer.normalizers[1].pattern'");
    }

    private static string WriteModel(string directory) => ValidateDataTests.WriteModel(directory, tensors: true);
}
