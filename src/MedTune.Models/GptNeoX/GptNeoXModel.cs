using MedTune.Checkpoints;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MedTune.Models;

/// <summary>The GPT-NeoX trunk (<c>gpt_neox.*</c>): embed_in, layers, final_layer_norm.</summary>
public sealed class GptNeoXModel : nn.Module
{
    private readonly TokenEmbedding embed_in;
    private readonly ModuleList<GptNeoXLayer> layers;
    private readonly LayerNorm final_layer_norm;
    private readonly RotaryEmbedding _rotary;

    public GptNeoXModel(ModelConfig config, ScalarType dtype) : base("gpt_neox")
    {
        _rotary = new RotaryEmbedding(config.RotaryDim, config.RopeTheta);
        embed_in = new TokenEmbedding(config.VocabSize, config.HiddenSize, dtype, "embed_in");
        layers = new ModuleList<GptNeoXLayer>(
            Enumerable.Range(0, config.NumLayers).Select(i => new GptNeoXLayer(config, i, _rotary, dtype)).ToArray());
        final_layer_norm = new LayerNorm(config.HiddenSize, config.LayerNormEps, dtype, "final_layer_norm");
        RegisterComponents();
    }

    public TokenEmbedding Embedding => embed_in;

    /// <summary>Final hidden states [batch, seq, hidden]; <paramref name="runLayer"/> runs each decoder layer (activation checkpointing).</summary>
    public Tensor Forward(Tensor inputIds, Tensor? attentionMask, Tensor positionIds, KeyValueCache? cache, Func<Func<Tensor, Tensor>, Tensor, Tensor[], Tensor>? runLayer = null)
    {
        using var scope = NewDisposeScope();
        var hidden = embed_in.forward(inputIds);
        var (batch, seq) = (inputIds.shape[0], inputIds.shape[1]);
        var mask = AttentionMask.Build(attentionMask, batch, seq, cache?.Length ?? 0, hidden.dtype, hidden.device);
        var (cos, sin) = _rotary.Angles(positionIds, hidden.dtype);
        var inputs = new AttentionInputs(mask, cos, sin, cache);
        foreach (var layer in layers)
            hidden = runLayer is null ? layer.Forward(hidden, inputs) : runLayer(h => layer.Forward(h, inputs), hidden, [mask, cos, sin]);
        return final_layer_norm.forward(hidden).MoveToOuterDisposeScope();
    }
}
