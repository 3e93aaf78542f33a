namespace MedTune.Models.Tests;

public class ParameterNameTests
{
    [Fact]
    public void Llama_parameters_carry_the_hf_checkpoint_names()
    {
        using var model = CausalLanguageModel.Create(TinyConfigs.Llama());
        var expected = new List<string> { "model.embed_tokens.weight", "model.norm.weight", "lm_head.weight" };
        for (var i = 0; i < 2; i++)
        {
            var p = $"model.layers.{i}.";
            expected.AddRange([
                p + "input_layernorm.weight", p + "post_attention_layernorm.weight",
                p + "self_attn.q_proj.weight", p + "self_attn.k_proj.weight", p + "self_attn.v_proj.weight", p + "self_attn.o_proj.weight",
                p + "mlp.gate_proj.weight", p + "mlp.up_proj.weight", p + "mlp.down_proj.weight",
            ]);
        }
        Assert.Equal(expected.Order(), model.named_parameters().Select(p => p.name).Order());
        Assert.Equal(new long[] { 8, 16 }, model.named_parameters().Single(p => p.name == "model.layers.0.self_attn.k_proj.weight").parameter.shape);
        Assert.Equal(15, model.Linears().Count());
    }

    [Fact]
    public void Llama_with_tied_embeddings_and_attention_bias_has_no_lm_head_and_has_biases()
    {
        using var model = CausalLanguageModel.Create(TinyConfigs.Llama(""", "tie_word_embeddings": true, "attention_bias": true"""));
        var names = model.named_parameters().Select(p => p.name).ToList();
        Assert.DoesNotContain("lm_head.weight", names);
        Assert.Contains("model.layers.1.self_attn.o_proj.bias", names);
        Assert.DoesNotContain("model.layers.1.mlp.up_proj.bias", names);
    }

    [Fact]
    public void NeoX_parameters_carry_the_hf_checkpoint_names()
    {
        using var model = CausalLanguageModel.Create(TinyConfigs.NeoX());
        var expected = new List<string>
        {
            "gpt_neox.embed_in.weight", "gpt_neox.final_layer_norm.weight", "gpt_neox.final_layer_norm.bias", "embed_out.weight",
        };
        for (var i = 0; i < 2; i++)
        {
            var p = $"gpt_neox.layers.{i}.";
            foreach (var module in new[] { "input_layernorm", "post_attention_layernorm", "attention.query_key_value", "attention.dense", "mlp.dense_h_to_4h", "mlp.dense_4h_to_h" })
                expected.AddRange([p + module + ".weight", p + module + ".bias"]);
        }
        Assert.Equal(expected.Order(), model.named_parameters().Select(p => p.name).Order());
        Assert.Equal(new long[] { 48, 16 }, model.named_parameters().Single(p => p.name == "gpt_neox.layers.0.attention.query_key_value.weight").parameter.shape);
    }
}

public class ParameterLayoutTests
{
    public static TheoryData<string> Configs => new()
    {
        "llama", "llama-tied-bias", "llama-mlp-bias", "neox", "neox-tied", "neox-no-attention-bias",
    };

    [Theory]
    [MemberData(nameof(Configs))]
    public void Layout_lists_the_models_parameters_in_named_parameters_order_with_their_shapes(string variant)
    {
        var config = variant switch
        {
            "llama" => TinyConfigs.Llama(),
            "llama-tied-bias" => TinyConfigs.Llama(""", "tie_word_embeddings": true, "attention_bias": true"""),
            "llama-mlp-bias" => TinyConfigs.Llama(""", "mlp_bias": true"""),
            "neox" => TinyConfigs.NeoX(),
            "neox-tied" => TinyConfigs.NeoX(""", "tie_word_embeddings": true"""),
            _ => TinyConfigs.NeoX(""", "attention_bias": false"""),
        };
        using var model = CausalLanguageModel.Create(config);
        var actual = model.named_parameters().Select(p => $"{p.name} [{string.Join(",", p.parameter.shape)}]").ToList();
        var layout = ParameterLayout.For(config).Select(p => $"{p.Name} [{string.Join(",", p.Shape)}]").ToList();
        Assert.Equal(actual, layout);
    }
}
