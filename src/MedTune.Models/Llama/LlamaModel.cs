using MedTune.Checkpoints;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MedTune.Models;

/// <summary>The Llama trunk (<c>model.*</c>): token embedding, decoder layers, final RMSNorm.</summary>
public sealed class LlamaModel : nn.Module
{
    private readonly TokenEmbedding embed_tokens;
    private readonly ModuleList<LlamaDecoderLayer> layers;
    private readonly RmsNorm norm;
    private readonly RotaryEmbedding _rotary;

    public LlamaModel(ModelConfig config, ScalarType dtype) : base("model")
    {
        _rotary = new RotaryEmbedding(config.HeadDim, config.RopeTheta, config.RopeScaling);
        embed_tokens = new TokenEmbedding(config.VocabSize, config.HiddenSize, dtype, "embed_tokens");
        layers = new ModuleList<LlamaDecoderLayer>(
            Enumerable.Range(0, config.NumLayers).Select(i => new LlamaDecoderLayer(config, i, _rotary, dtype)).ToArray());
        norm = new RmsNorm(config.HiddenSize, config.RmsNormEps, dtype, "norm");
        RegisterComponents();
    }

    public TokenEmbedding Embedding => embed_tokens;

    /// <summary>Final hidden states [batch, seq, hidden]; <paramref name="runLayer"/> runs each decoder layer (activation checkpointing).</summary>
    public Tensor Forward(Tensor inputIds, Tensor? attentionMask, Tensor positionIds, KeyValueCache? cache, Func<Func<Tensor, Tensor>, Tensor, Tensor[], Tensor>? runLayer = null)
    {
        using var scope = NewDisposeScope();
        var hidden = embed_tokens.forward(inputIds);
        var (batch, seq) = (inputIds.shape[0], inputIds.shape[1]);
        var mask = AttentionMask.Build(attentionMask, batch, seq, cache?.Length ?? 0, hidden.dtype, hidden.device);
        var (cos, sin) = _rotary.Angles(positionIds, hidden.dtype);
        var inputs = new AttentionInputs(mask, cos, sin, cache);
        foreach (var layer in layers)
            hidden = runLayer is null ? layer.Forward(hidden, inputs) : runLayer(h => layer.Forward(h, inputs), hidden, [mask, cos, sin]);
        return norm.forward(hidden).MoveToOuterDisposeScope();
    }
}
