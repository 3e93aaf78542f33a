using MedTune.Checkpoints;
using static MedTune.Export.OnnxGraphBuilder;

namespace MedTune.Export;

/// <summary>GPT-NeoX decoder: LayerNorm, fused per-head query_key_value, partial rotary, (parallel) residual, GELU MLP.</summary>
public sealed class GptNeoXGraphBuilder : DecoderGraphBuilder
{
    public GptNeoXGraphBuilder(ModelConfig config, CheckpointWeights weights, ExportOptions options) : base(config, weights, options)
    {
        if (config.HiddenAct is not ("gelu" or "gelu_new" or "gelu_fast" or "gelu_pytorch_tanh"))
            throw new NotSupportedException($"GPT-NeoX hidden_act '{config.HiddenAct}' is not supported by the ONNX exporter (gelu, gelu_new, gelu_fast, gelu_pytorch_tanh are).");
        if (config.NumKeyValueHeads != config.NumAttentionHeads)
            throw new CheckpointException("GPT-NeoX has as many key/value heads as query heads; config.json says otherwise.");
    }

    protected override string Embed() => EmbeddingLookup("gpt_neox.embed_in.weight");

    protected override string DecoderLayer(int layer, string hidden)
    {
        var prefix = $"gpt_neox.layers.{layer}";
        var attention = SelfAttention(layer, prefix + ".attention", LayerNorm(hidden, prefix + ".input_layernorm"));
        if (Config.UseParallelResidual)
        {
            var mlp = Mlp(prefix + ".mlp", LayerNorm(hidden, prefix + ".post_attention_layernorm"));
            return Graph.Node("Add", [Graph.Node("Add", [hidden, attention]), mlp], $"layers.{layer}.output");
        }
        var afterAttention = Graph.Node("Add", [hidden, attention], $"layers.{layer}.after_attention");
        var sequentialMlp = Mlp(prefix + ".mlp", LayerNorm(afterAttention, prefix + ".post_attention_layernorm"));
        return Graph.Node("Add", [afterAttention, sequentialMlp], $"layers.{layer}.output");
    }

    protected override string Head(string hidden) =>
        LmHead(LayerNorm(hidden, "gpt_neox.final_layer_norm"), "embed_out.weight", "gpt_neox.embed_in.weight");

    private string SelfAttention(int layer, string prefix, string x)
    {
        int hidden = Config.HiddenSize, heads = Config.NumAttentionHeads, headDim = Config.HeadDim, size = heads * headDim;
        var fused = ReadMatrix($"{prefix}.query_key_value.weight", 3 * size, hidden);
        var fusedBias = ReadOptionalVector($"{prefix}.query_key_value.bias", 3 * size);
        // HF lays the fused output out per head as [q_h | k_h | v_h]; regroup rows into [all q | all k | all v].
        var weight = FusedQkv.RegroupPerHead(fused, heads, headDim, hidden);
        var bias = fusedBias is null ? null : FusedQkv.RegroupPerHead(fusedBias, heads, headDim, 1);
        var qkv = Linears.Linear(x, $"{prefix}.qkv", weight, 3 * size, hidden, bias);
        var parts = SplitLastAxis(qkv, size, size, size);
        var context = Attention(layer, parts[0], parts[1], parts[2]);
        return Linears.Linear(context, $"{prefix}.dense", ReadMatrix($"{prefix}.dense.weight", hidden, size), hidden, size,
            ReadOptionalVector($"{prefix}.dense.bias", hidden));
    }

    private string Mlp(string prefix, string x)
    {
        int hidden = Config.HiddenSize, inner = Config.IntermediateSize;
        var up = Linears.Linear(x, $"{prefix}.dense_h_to_4h", ReadMatrix($"{prefix}.dense_h_to_4h.weight", inner, hidden), inner, hidden,
            ReadOptionalVector($"{prefix}.dense_h_to_4h.bias", inner));
        return Linears.Linear(Gelu(up), $"{prefix}.dense_4h_to_h", ReadMatrix($"{prefix}.dense_4h_to_h.weight", hidden, inner), hidden, inner,
            ReadOptionalVector($"{prefix}.dense_4h_to_h.bias", hidden));
    }

    /// <summary>Exact erf GELU for <c>gelu</c>, the tanh approximation for the other spellings.</summary>
    private string Gelu(string x)
    {
        var g = Graph;
        string inner;
        if (Config.HiddenAct == "gelu")
            inner = g.Node("Erf", [g.Node("Div", [x, g.FloatScalar(MathF.Sqrt(2f))])]);
        else
        {
            var cube = g.Node("Mul", [g.Node("Mul", [x, x]), x]);
            var polynomial = g.Node("Add", [x, g.Node("Mul", [cube, g.FloatScalar(0.044715f)])]);
            inner = g.Node("Tanh", [g.Node("Mul", [polynomial, g.FloatScalar(MathF.Sqrt(2f / MathF.PI))])]);
        }
        var onePlus = g.Node("Add", [inner, g.FloatScalar(1f)]);
        return g.Node("Mul", [g.Node("Mul", [x, onePlus]), g.FloatScalar(0.5f)]);
    }

    private string LayerNorm(string x, string prefix) =>
        Graph.Node("LayerNormalization",
            [x, VectorInitializer(prefix + ".weight", Config.HiddenSize), VectorInitializer(prefix + ".bias", Config.HiddenSize)],
            null, "", IntAttribute("axis", -1), FloatAttribute("epsilon", (float)Config.LayerNormEps));
}
