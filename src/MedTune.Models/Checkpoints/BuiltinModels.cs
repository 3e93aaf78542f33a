using System.Text.Json.Nodes;
using MedTune.Checkpoints;
using MedTune.Checkpoints.Tokenization;

namespace MedTune.Models;

/// <summary>
/// Tiny generated models for tests, demos and CI: a complete Hugging Face directory (config, seeded weights,
/// builtin tokenizer) that every stage can run end to end in seconds on a CPU. Same name and seed → byte-identical files.
/// </summary>
public static class BuiltinModels
{
    public const string TinyLlama = "tiny-llama";
    public const string TinyNeoX = "tiny-neox";
    public static IReadOnlyList<string> Names { get; } = [TinyLlama, TinyNeoX];

    public static void Create(string name, string directory, int seed) =>
        WithTokenizer(name, (config, tokenizerDirectory) =>
        {
            using var model = SeededWeights.Create(config, seed);
            CheckpointSaver.Save(model, directory, tokenizerDirectory);
        });

    /// <summary>The builtin model's <c>config.json</c> without creating its weights (for <c>medtune plan</c>).</summary>
    public static ModelConfig Config(string name)
    {
        ModelConfig? result = null;
        WithTokenizer(name, (config, _) => result = config);
        return result!;
    }

    private static void WithTokenizer(string name, Action<ModelConfig, string> use)
    {
        var family = name switch
        {
            TinyLlama => BuiltinTokenizers.Llama,
            TinyNeoX => BuiltinTokenizers.GptNeoX,
            _ => throw new ArgumentException($"unknown builtin model '{name}'; expected one of: {string.Join(", ", Names)}.", nameof(name)),
        };
        var tokenizerDirectory = Path.Combine(Path.GetTempPath(), $"medtune-builtin-tokenizer-{Guid.NewGuid():N}");
        try
        {
            var vocabSize = BuiltinTokenizers.Write(family, tokenizerDirectory);
            var tokenizer = TextTokenizer.Load(tokenizerDirectory);
            var json = name == TinyLlama ? TinyLlamaConfig(vocabSize) : TinyNeoXConfig(vocabSize);
            json["bos_token_id"] = tokenizer.BosId;
            json["eos_token_id"] = tokenizer.EosIds.Count > 0 ? tokenizer.EosIds[0] : null;
            json["pad_token_id"] = tokenizer.PadId;
            use(ModelConfig.Parse(json.ToJsonString(), $"builtin {name} config"), tokenizerDirectory);
        }
        finally
        {
            if (Directory.Exists(tokenizerDirectory)) Directory.Delete(tokenizerDirectory, recursive: true);
        }
    }

    /// <summary>Llama with grouped-query attention (4 query heads share 2 key/value heads).</summary>
    private static JsonObject TinyLlamaConfig(int vocabSize) => new()
    {
        ["architectures"] = new JsonArray("LlamaForCausalLM"),
        ["model_type"] = "llama",
        ["vocab_size"] = vocabSize,
        ["hidden_size"] = 128,
        ["intermediate_size"] = 352,
        ["num_hidden_layers"] = 4,
        ["num_attention_heads"] = 4,
        ["num_key_value_heads"] = 2,
        ["max_position_embeddings"] = 512,
        ["rope_theta"] = 10000.0,
        ["rms_norm_eps"] = 1e-6,
        ["hidden_act"] = "silu",
        ["tie_word_embeddings"] = false,
        ["torch_dtype"] = "float32",
    };

    /// <summary>GPT-NeoX as OpenCALM configures it: partial rotary (8 of 32 head dimensions), parallel residual.</summary>
    private static JsonObject TinyNeoXConfig(int vocabSize) => new()
    {
        ["architectures"] = new JsonArray("GPTNeoXForCausalLM"),
        ["model_type"] = "gpt_neox",
        ["vocab_size"] = vocabSize,
        ["hidden_size"] = 128,
        ["intermediate_size"] = 512,
        ["num_hidden_layers"] = 4,
        ["num_attention_heads"] = 4,
        ["max_position_embeddings"] = 512,
        ["rotary_pct"] = 0.25,
        ["rotary_emb_base"] = 10000,
        ["layer_norm_eps"] = 1e-5,
        ["hidden_act"] = "gelu",
        ["use_parallel_residual"] = true,
        ["tie_word_embeddings"] = false,
        ["torch_dtype"] = "float32",
    };
}
