using MedTune.Checkpoints;

namespace MedTune.Models.Tests;

internal static class TinyConfigs
{
    public static ModelConfig Llama(string extra = "") => ModelConfig.Parse($$"""
        {"model_type": "llama", "vocab_size": 32, "hidden_size": 16, "intermediate_size": 24, "num_hidden_layers": 2,
         "num_attention_heads": 4, "num_key_value_heads": 2 {{extra}}}
        """, "llama/config.json");

    public static ModelConfig NeoX(string extra = "") => ModelConfig.Parse($$"""
        {"model_type": "gpt_neox", "vocab_size": 32, "hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 2,
         "num_attention_heads": 2, "rotary_pct": 0.5 {{extra}}}
        """, "neox/config.json");
}
