using System.Text.Json.Nodes;

namespace MedTune.Bench.Scale;

/// <summary>The published config.json shapes the benchmark generates (Llama-2-7B, OpenCALM-7B), with an optional smaller layer count.</summary>
public static class BenchModels
{
    public static IReadOnlyList<string> Names { get; } = ["llama2-7b", "opencalm-7b"];

    public static JsonObject Config(string name, int? layers)
    {
        var json = name switch
        {
            "llama2-7b" => JsonNode.Parse("""
                {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 4096, "intermediate_size": 11008,
                 "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 32, "max_position_embeddings": 4096,
                 "rms_norm_eps": 1e-05, "hidden_act": "silu", "tie_word_embeddings": false, "vocab_size": 32000,
                 "rope_theta": 10000.0, "torch_dtype": "bfloat16"}
                """)!.AsObject(),
            "opencalm-7b" => JsonNode.Parse("""
                {"architectures": ["GPTNeoXForCausalLM"], "model_type": "gpt_neox", "hidden_size": 4096, "intermediate_size": 16384,
                 "num_hidden_layers": 32, "num_attention_heads": 32, "max_position_embeddings": 2048, "rotary_pct": 1.0,
                 "rotary_emb_base": 10000, "layer_norm_eps": 1e-05, "hidden_act": "gelu", "use_parallel_residual": false,
                 "tie_word_embeddings": false, "vocab_size": 52224, "torch_dtype": "bfloat16"}
                """)!.AsObject(),
            _ => throw new ArgumentException($"unknown model '{name}'; use {string.Join(" or ", Names)}."),
        };
        if (layers is { } n) json["num_hidden_layers"] = n;
        return json;
    }

    public static string TokenizerFamily(string name) => name == "llama2-7b" ? "llama" : "gpt_neox";
}
