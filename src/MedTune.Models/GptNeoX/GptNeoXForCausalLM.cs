using MedTune.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace MedTune.Models;

/// <summary>GPT-NeoX causal LM (Pythia, OpenCALM): <c>gpt_neox.*</c> trunk and output projection <c>embed_out</c>.</summary>
public sealed class GptNeoXForCausalLM : CausalLanguageModel
{
    private readonly GptNeoXModel gpt_neox;
    private readonly AdaptableLinear? embed_out;

    public GptNeoXForCausalLM(ModelConfig config, ScalarType dtype = ScalarType.Float32) : base("GPTNeoXForCausalLM", config)
    {
        if (config.Family != ModelFamily.GptNeoX)
            throw new ArgumentException($"config is for {config.Family}, not GPT-NeoX");
        gpt_neox = new GptNeoXModel(config, dtype);
        embed_out = config.TieWordEmbeddings ? null : new AdaptableLinear(config.HiddenSize, config.VocabSize, hasBias: false, "embed_out", dtype);
        RegisterComponents();
    }

    public override Tensor Forward(Tensor inputIds, Tensor? attentionMask = null, Tensor? positionIds = null, KeyValueCache? cache = null)
    {
        using var scope = NewDisposeScope();
        positionIds ??= DefaultPositionIds(inputIds, cache);
        var hidden = gpt_neox.Forward(inputIds, attentionMask, positionIds, cache, RunLayer);
        var logits = embed_out?.forward(hidden) ?? nn.functional.linear(hidden, gpt_neox.Embedding.weight);
        return logits.MoveToOuterDisposeScope();
    }
}
