using MedTune.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace MedTune.Models;

/// <summary>One Llama block, pre-norm: <c>h = x + attn(norm(x)); out = h + mlp(norm(h))</c>.</summary>
public sealed class LlamaDecoderLayer : nn.Module
{
    private readonly RmsNorm input_layernorm;
    private readonly LlamaAttention self_attn;
    private readonly RmsNorm post_attention_layernorm;
    private readonly LlamaMlp mlp;

    public LlamaDecoderLayer(ModelConfig config, int layerIndex, RotaryEmbedding rotary, ScalarType dtype) : base($"layer{layerIndex}")
    {
        input_layernorm = new RmsNorm(config.HiddenSize, config.RmsNormEps, dtype, "input_layernorm");
        self_attn = new LlamaAttention(config, layerIndex, rotary, dtype);
        post_attention_layernorm = new RmsNorm(config.HiddenSize, config.RmsNormEps, dtype, "post_attention_layernorm");
        mlp = new LlamaMlp(config, dtype);
        RegisterComponents();
    }

    public Tensor Forward(Tensor x, AttentionInputs inputs)
    {
        using var scope = NewDisposeScope();
        var h = x + self_attn.Forward(input_layernorm.forward(x), inputs);
        var output = h + mlp.forward(post_attention_layernorm.forward(h));
        return output.MoveToOuterDisposeScope();
    }
}
