using MedTune.Checkpoints;

namespace MedTune.Models;

/// <summary>A parameter of a model: its Hugging Face name and shape.</summary>
public sealed record ParameterShape(string Name, long[] Shape)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
}

/// <summary>
/// The parameters <see cref="CausalLanguageModel.Create"/> would allocate for a config — names, shapes and order
/// (the order <c>named_parameters()</c> and <see cref="CheckpointSaver"/> use) — without allocating anything, so
/// that stages which stream a checkpoint tensor by tensor (merge, plans) agree with the model classes.
/// </summary>
public static class ParameterLayout
{
    public static IReadOnlyList<ParameterShape> For(ModelConfig config) => config.Family switch
    {
        ModelFamily.Llama => Llama(config),
        ModelFamily.GptNeoX => GptNeoX(config),
        _ => throw new ArgumentOutOfRangeException(nameof(config), config.Family, "unknown model family"),
    };

    private static List<ParameterShape> Llama(ModelConfig c)
    {
        int hidden = c.HiddenSize, q = c.NumAttentionHeads * c.HeadDim, kv = c.NumKeyValueHeads * c.HeadDim;
        var list = new List<ParameterShape> { new("model.embed_tokens.weight", [c.VocabSize, hidden]) };
        for (var i = 0; i < c.NumLayers; i++)
        {
            var p = $"model.layers.{i}.";
            list.Add(new(p + "input_layernorm.weight", [hidden]));
            Linear(list, p + "self_attn.q_proj", q, hidden, c.AttentionBias);
            Linear(list, p + "self_attn.k_proj", kv, hidden, c.AttentionBias);
            Linear(list, p + "self_attn.v_proj", kv, hidden, c.AttentionBias);
            Linear(list, p + "self_attn.o_proj", hidden, q, c.AttentionBias);
            list.Add(new(p + "post_attention_layernorm.weight", [hidden]));
            Linear(list, p + "mlp.gate_proj", c.IntermediateSize, hidden, c.MlpBias);
            Linear(list, p + "mlp.up_proj", c.IntermediateSize, hidden, c.MlpBias);
            Linear(list, p + "mlp.down_proj", hidden, c.IntermediateSize, c.MlpBias);
        }
        list.Add(new("model.norm.weight", [hidden]));
        if (!c.TieWordEmbeddings) list.Add(new("lm_head.weight", [c.VocabSize, hidden]));
        return list;
    }

    private static List<ParameterShape> GptNeoX(ModelConfig c)
    {
        var hidden = c.HiddenSize;
        var list = new List<ParameterShape> { new("gpt_neox.embed_in.weight", [c.VocabSize, hidden]) };
        for (var i = 0; i < c.NumLayers; i++)
        {
            var p = $"gpt_neox.layers.{i}.";
            list.Add(new(p + "input_layernorm.weight", [hidden]));
            list.Add(new(p + "input_layernorm.bias", [hidden]));
            list.Add(new(p + "post_attention_layernorm.weight", [hidden]));
            list.Add(new(p + "post_attention_layernorm.bias", [hidden]));
            Linear(list, p + "attention.query_key_value", 3 * hidden, hidden, c.AttentionBias);
            Linear(list, p + "attention.dense", hidden, hidden, c.AttentionBias);
            Linear(list, p + "mlp.dense_h_to_4h", c.IntermediateSize, hidden, true);
            Linear(list, p + "mlp.dense_4h_to_h", hidden, c.IntermediateSize, true);
        }
        list.Add(new("gpt_neox.final_layer_norm.weight", [hidden]));
        list.Add(new("gpt_neox.final_layer_norm.bias", [hidden]));
        if (!c.TieWordEmbeddings) list.Add(new("embed_out.weight", [c.VocabSize, hidden]));
        return list;
    }

    private static void Linear(List<ParameterShape> list, string module, long outFeatures, long inFeatures, bool bias)
    {
        list.Add(new(module + ".weight", [outFeatures, inFeatures]));
        if (bias) list.Add(new(module + ".bias", [outFeatures]));
    }
}
