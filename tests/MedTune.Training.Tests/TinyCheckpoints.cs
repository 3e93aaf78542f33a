using MedTune.Checkpoints;
using MedTune.Checkpoints.Tokenization;
using MedTune.Models;

namespace MedTune.Training.Tests;

/// <summary>Writes tiny Hugging Face model directories (seeded weights + the builtin tokenizer) for stage-level tests.</summary>
internal static class TinyCheckpoints
{
    public static string Llama(string root, int seed = 1, string dtype = "float32")
    {
        var tokenizerDirectory = Path.Combine(root, "tokenizer");
        var vocab = BuiltinTokenizers.Write(BuiltinTokenizers.Llama, tokenizerDirectory);
        var config = ModelConfig.Parse($$"""
            {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": {{vocab}}, "hidden_size": 64,
             "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
             "max_position_embeddings": 512, "rope_theta": 10000.0, "rms_norm_eps": 1e-6, "hidden_act": "silu",
             "tie_word_embeddings": false, "bos_token_id": 1, "eos_token_id": 2, "torch_dtype": "{{dtype}}"}
            """, "tiny-llama config");
        return Save(root, dtype == "float32" ? "tiny-llama" : $"tiny-llama-{dtype}", config, seed, tokenizerDirectory);
    }

    public static string NeoX(string root, int seed = 1, string dtype = "float32")
    {
        var tokenizerDirectory = Path.Combine(root, "tokenizer-neox");
        var vocab = BuiltinTokenizers.Write(BuiltinTokenizers.GptNeoX, tokenizerDirectory);
        var config = ModelConfig.Parse($$"""
            {"architectures": ["GPTNeoXForCausalLM"], "model_type": "gpt_neox", "vocab_size": {{vocab}}, "hidden_size": 64,
             "intermediate_size": 256, "num_hidden_layers": 2, "num_attention_heads": 4, "max_position_embeddings": 512,
             "rotary_pct": 0.25, "rotary_emb_base": 10000, "layer_norm_eps": 1e-5, "use_parallel_residual": true,
             "hidden_act": "gelu", "tie_word_embeddings": false, "bos_token_id": 0, "eos_token_id": 0, "torch_dtype": "{{dtype}}"}
            """, "tiny-neox config");
        return Save(root, dtype == "float32" ? "tiny-neox" : $"tiny-neox-{dtype}", config, seed, tokenizerDirectory);
    }

    private static string Save(string root, string name, ModelConfig config, int seed, string tokenizerDirectory)
    {
        var directory = Path.Combine(root, name);
        using var model = SeededWeights.Create(config, seed);
        CheckpointSaver.Save(model, directory, tokenizerDirectory);
        return directory;
    }
}
