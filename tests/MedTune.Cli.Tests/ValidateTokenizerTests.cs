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

    private static string WriteModel(string directory)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "config.json"), """
            {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 32, "hidden_size": 8,
             "intermediate_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 2,
             "max_position_embeddings": 64, "rms_norm_eps": 1e-6, "hidden_act": "silu", "tie_word_embeddings": false,
             "bos_token_id": 1, "eos_token_id": 2, "torch_dtype": "float32"}
            """);
        NamedTensorData Tensor(string name, params long[] shape) =>
            new(name, TensorDType.F32, shape, new byte[4 * shape.Aggregate(1L, (a, b) => a * b)]);
        SafetensorsWriter.Write(Path.Combine(directory, "model.safetensors"),
        [
            Tensor("model.embed_tokens.weight", 32, 8),
            Tensor("model.layers.0.self_attn.q_proj.weight", 8, 8),
            Tensor("model.layers.0.self_attn.v_proj.weight", 8, 8),
            Tensor("model.layers.0.input_layernorm.weight", 8),
            Tensor("lm_head.weight", 32, 8),
        ]);
        return directory;
    }
}
