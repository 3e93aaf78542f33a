namespace MedTune.Cli.Tests;

/// <summary>The published <c>config.json</c> shapes of the paper's base models (no weights): enough for <c>medtune plan</c>.</summary>
public static class PaperModelConfigs
{
    public const string Llama2_70B = """
        {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 8192, "intermediate_size": 28672,
         "num_hidden_layers": 80, "num_attention_heads": 64, "num_key_value_heads": 8, "max_position_embeddings": 4096,
         "rms_norm_eps": 1e-05, "hidden_act": "silu", "tie_word_embeddings": false, "vocab_size": 32000,
         "bos_token_id": 1, "eos_token_id": 2, "torch_dtype": "float16"}
        """;

    public const string OpenCalm7B = """
        {"architectures": ["GPTNeoXForCausalLM"], "model_type": "gpt_neox", "hidden_size": 4096, "intermediate_size": 16384,
         "num_hidden_layers": 32, "num_attention_heads": 32, "max_position_embeddings": 2048, "rotary_pct": 1.0,
         "rotary_emb_base": 10000, "layer_norm_eps": 1e-05, "hidden_act": "gelu", "use_parallel_residual": false,
         "tie_word_embeddings": false, "vocab_size": 52224, "bos_token_id": 0, "eos_token_id": 0, "torch_dtype": "float16"}
        """;

    public static IReadOnlyList<(string Directory, string Json)> All { get; } =
        [("Llama-2-70b-hf", Llama2_70B), ("open-calm-7b", OpenCalm7B)];
}
