using MedTune.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace MedTune.Models;

/// <summary>
/// One GPT-NeoX block. With use_parallel_residual (GPT-J style) attention and MLP read the same input:
/// <c>x + attn(ln1(x)) + mlp(ln2(x))</c>; otherwise sequentially: <c>h = x + attn(ln1(x)); h + mlp(ln2(h))</c>.
/// </summary>
public sealed class GptNeoXLayer : nn.Module
{
    private readonly LayerNorm input_layernorm;
    private readonly LayerNorm post_attention_layernorm;
    private readonly GptNeoXAttention attention;
    private readonly GptNeoXMlp mlp;
    private readonly bool _parallelResidual;

    public GptNeoXLayer(ModelConfig config, int layerIndex, RotaryEmbedding rotary, ScalarType dtype) : base($"layer{layerIndex}")
    {
        input_layernorm = new LayerNorm(config.HiddenSize, config.LayerNormEps, dtype, "input_layernorm");
        post_attention_layernorm = new LayerNorm(config.HiddenSize, config.LayerNormEps, dtype, "post_attention_layernorm");
        attention = new GptNeoXAttention(config, layerIndex, rotary, dtype);
        mlp = new GptNeoXMlp(config, dtype);
        _parallelResidual = config.UseParallelResidual;
        RegisterComponents();
    }

    public Tensor Forward(Tensor x, AttentionInputs inputs)
    {
        using var scope = NewDisposeScope();
        var attended = attention.Forward(input_layernorm.forward(x), inputs);
        Tensor output;
        if (_parallelResidual)
        {
            output = x + attended + mlp.forward(post_attention_layernorm.forward(x));
        }
        else
        {
            var h = x + attended;
            output = h + mlp.forward(post_attention_layernorm.forward(h));
        }
        return output.MoveToOuterDisposeScope();
    }
}
