using MedTune.Checkpoints;
using static MedTune.Export.OnnxGraphBuilder;

namespace MedTune.Export;

/// <summary>Llama decoder: RMSNorm, rotary, grouped-query attention, SwiGLU, optional biases and tied head.</summary>
public sealed class LlamaGraphBuilder : DecoderGraphBuilder
{
    public LlamaGraphBuilder(ModelConfig config, CheckpointWeights weights, ExportOptions options) : base(config, weights, options)
    {
        if (config.HiddenAct != "silu")
            throw new NotSupportedException($"Llama hidden_act '{config.HiddenAct}' is not supported by the ONNX exporter (silu is).");
    }

    protected override string Embed() => EmbeddingLookup("model.embed_tokens.weight");

    protected override string DecoderLayer(int layer, string hidden)
    {
        var prefix = $"model.layers.{layer}";
        var attentionInput = RmsNorm(hidden, $"{prefix}.input_layernorm.weight");
        hidden = Graph.Node("Add", [hidden, SelfAttention(layer, prefix + ".self_attn", attentionInput)], $"layers.{layer}.after_attention");
        var mlpInput = RmsNorm(hidden, $"{prefix}.post_attention_layernorm.weight");
        return Graph.Node("Add", [hidden, SwiGlu(prefix + ".mlp", mlpInput)], $"layers.{layer}.output");
    }

    protected override string Head(string hidden) =>
        LmHead(RmsNorm(hidden, "model.norm.weight"), "lm_head.weight", "model.embed_tokens.weight");

    private string SelfAttention(int layer, string prefix, string x)
    {
        int hidden = Config.HiddenSize, qSize = Config.NumAttentionHeads * Config.HeadDim, kvSize = Config.NumKeyValueHeads * Config.HeadDim;
        var weight = ReadStackedMatrices(hidden,
            ($"{prefix}.q_proj.weight", qSize), ($"{prefix}.k_proj.weight", kvSize), ($"{prefix}.v_proj.weight", kvSize));
        var qBias = ReadOptionalVector($"{prefix}.q_proj.bias", qSize);
        var bias = qBias is null ? null : StackRows(qBias, ReadVector($"{prefix}.k_proj.bias", kvSize), ReadVector($"{prefix}.v_proj.bias", kvSize));
        var qkv = Linears.Linear(x, $"{prefix}.qkv_proj", weight, qSize + 2 * kvSize, hidden, bias);
        var parts = SplitLastAxis(qkv, qSize, kvSize, kvSize);
        var context = Attention(layer, parts[0], parts[1], parts[2]);
        return Linears.Linear(context, $"{prefix}.o_proj", ReadMatrix($"{prefix}.o_proj.weight", hidden, qSize), hidden, qSize,
            ReadOptionalVector($"{prefix}.o_proj.bias", hidden));
    }

    private string SwiGlu(string prefix, string x)
    {
        int hidden = Config.HiddenSize, inner = Config.IntermediateSize;
        var weight = ReadStackedMatrices(hidden, ($"{prefix}.gate_proj.weight", inner), ($"{prefix}.up_proj.weight", inner));
        var gateBias = ReadOptionalVector($"{prefix}.gate_proj.bias", inner);
        var bias = gateBias is null ? null : StackRows(gateBias, ReadVector($"{prefix}.up_proj.bias", inner));
        var parts = SplitLastAxis(Linears.Linear(x, $"{prefix}.gate_up_proj", weight, 2 * inner, hidden, bias), inner, inner);
        var silu = Graph.Node("Mul", [parts[0], Graph.Node("Sigmoid", [parts[0]])]);
        var product = Graph.Node("Mul", [silu, parts[1]]);
        return Linears.Linear(product, $"{prefix}.down_proj", ReadMatrix($"{prefix}.down_proj.weight", hidden, inner), hidden, inner,
            ReadOptionalVector($"{prefix}.down_proj.bias", hidden));
    }

    /// <summary>x / sqrt(mean(x²) + eps) × weight, in the Pow/ReduceMean/Sqrt/Div pattern ONNX Runtime fuses.</summary>
    private string RmsNorm(string x, string weightName)
    {
        var g = Graph;
        if (Fused)
            return g.Node("RMSNormalization", [x, VectorInitializer(weightName, Config.HiddenSize)], null, "",
                IntAttribute("axis", -1), FloatAttribute("epsilon", (float)Config.RmsNormEps));
        var squared = g.Node("Pow", [x, g.FloatScalar(2f)]);
        var mean = g.Opset >= 18
            ? g.Node("ReduceMean", [squared, g.Int64Constant(-1)], null, "", IntAttribute("keepdims", 1))
            : g.Node("ReduceMean", [squared], null, "", IntsAttribute("axes", -1), IntAttribute("keepdims", 1));
        var denominator = g.Node("Sqrt", [g.Node("Add", [mean, g.FloatScalar((float)Config.RmsNormEps)])]);
        var normalized = g.Node("Div", [x, denominator]);
        return g.Node("Mul", [normalized, VectorInitializer(weightName, Config.HiddenSize)]);
    }
}
