using MedTune.Checkpoints;

namespace MedTune.Checkpoints.Tests;

public class ModelConfigTests
{
    private const string Llama = """
        {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 32000, "hidden_size": 4096,
         "intermediate_size": 11008, "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 8,
         "rope_theta": 500000.0, "rms_norm_eps": 1e-5, "eos_token_id": [128001, 128009], "torch_dtype": "bfloat16",
         "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}}
        """;

    private const string NeoX = """
        {"architectures": ["GPTNeoXForCausalLM"], "model_type": "gpt_neox", "vocab_size": 52096, "hidden_size": 4096,
         "intermediate_size": 16384, "num_hidden_layers": 32, "num_attention_heads": 32, "rotary_pct": 1.0,
         "use_parallel_residual": false, "hidden_act": "gelu", "layer_norm_eps": 1e-5, "rotary_emb_base": 10000, "torch_dtype": "float16"}
        """;

    [Fact]
    public void Reads_a_llama3_config_with_gqa_and_rope_scaling()
    {
        var config = ModelConfig.Parse(Llama, "config.json");
        Assert.Equal(ModelFamily.Llama, config.Family);
        Assert.Equal((32, 8, 128), (config.NumAttentionHeads, config.NumKeyValueHeads, config.HeadDim));
        Assert.Equal(new RopeScaling("llama3", 8, 1, 4, 8192), config.RopeScaling);
        Assert.Equal([128001, 128009], config.EosTokenIds);
        Assert.Equal("bfloat16", config.TorchDtype);
        Assert.Equal(128, config.RotaryDim);
    }

    [Fact]
    public void Reads_an_open_calm_style_neox_config()
    {
        var config = ModelConfig.Parse(NeoX, "config.json");
        Assert.Equal(ModelFamily.GptNeoX, config.Family);
        Assert.False(config.UseParallelResidual);
        Assert.True(config.AttentionBias);
        Assert.Equal(128, config.HeadDim);
        Assert.Equal("float16", config.TorchDtype);
    }

    [Theory]
    [InlineData("\"architectures\": [\"LlamaForCausalLM\"], \"model_type\": \"llama\"", "\"architectures\": [\"BertModel\"], \"model_type\": \"bert\"", "architectures")]
    [InlineData("\"architectures\": [\"LlamaForCausalLM\"], \"model_type\": \"llama\"", "\"model_type\": \"t5\"", "model_type")]
    [InlineData("\"architectures\": [\"LlamaForCausalLM\"]", "\"architectures\": [3]", "architectures")]
    [InlineData("\"vocab_size\": 32000,", "", "vocab_size")]
    [InlineData("\"hidden_size\": 4096", "\"hidden_size\": \"big\"", "hidden_size")]
    [InlineData("\"hidden_size\": 4096", "\"hidden_size\": -4096", "hidden_size")]
    [InlineData("\"num_key_value_heads\": 8", "\"num_key_value_heads\": 7", "num_key_value_heads")]
    [InlineData("\"rope_theta\": 500000.0", "\"rope_theta\": \"fast\"", "rope_theta")]
    [InlineData("\"rope_type\": \"llama3\"", "\"rope_type\": \"yarn\"", "rope_scaling.rope_type")]
    [InlineData("\"factor\": 8.0", "\"factor\": \"eight\"", "rope_scaling.factor")]
    [InlineData("\"eos_token_id\": [128001, 128009]", "\"eos_token_id\": [\"</s>\"]", "eos_token_id")]
    [InlineData("\"torch_dtype\": \"bfloat16\"", "\"torch_dtype\": \"int8\"", "torch_dtype")]
    public void Unusable_llama_values_are_reported_by_key(string original, string replacement, string key)
    {
        var json = Llama.Replace(original, replacement);
        Assert.NotEqual(Llama, json);
        var error = Assert.Throws<CheckpointException>(() => ModelConfig.Parse(json, "model/config.json"));
        Assert.Contains($"model/config.json: {key}:", error.Message);
    }

    [Theory]
    [InlineData("\"rotary_pct\": 1.0", "\"rotary_pct\": 0.0", "rotary_pct")]
    [InlineData("\"rotary_pct\": 1.0", "\"rotary_pct\": 0.0234375", "rotary_pct")] // 3 rotary dims: odd
    [InlineData("\"hidden_act\": \"gelu\"", "\"hidden_act\": \"relu\"", "hidden_act")]
    [InlineData("\"num_attention_heads\": 32", "\"num_attention_heads\": 30", "num_attention_heads")]
    [InlineData("\"use_parallel_residual\": false", "\"use_parallel_residual\": \"no\"", "use_parallel_residual")]
    public void Unusable_neox_values_are_reported_by_key(string original, string replacement, string key)
    {
        var json = NeoX.Replace(original, replacement);
        Assert.NotEqual(NeoX, json);
        var error = Assert.Throws<CheckpointException>(() => ModelConfig.Parse(json, "c.json"));
        Assert.Contains($"c.json: {key}:", error.Message);
    }

    [Fact]
    public void Invalid_json_names_the_file_and_line()
    {
        var error = Assert.Throws<CheckpointException>(() => ModelConfig.Parse("{\n\"a\": 1,\n oops}", "m/config.json"));
        Assert.Contains("m/config.json: not valid JSON (line 3)", error.Message);
    }

    [Fact]
    public void A_missing_config_says_what_is_needed()
    {
        var error = Assert.Throws<CheckpointException>(() => ModelConfig.Load("/nonexistent/config.json"));
        Assert.Contains("config.json not found", error.Message);
    }

    [Fact]
    public void Unknown_keys_are_kept_for_writing_back()
    {
        var config = ModelConfig.Parse(Llama.Replace("\"vocab_size\"", "\"custom_key\": {\"x\": 1}, \"vocab_size\""), "c.json");
        Assert.Contains("\"custom_key\"", config.ToJson());
    }
}
