using MedTune.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace MedTune.Models;

/// <summary>
/// Llama-family causal LM (Touvron et al. 2023; also Mistral-style configs without sliding windows):
/// <c>model.*</c> trunk and <c>lm_head</c>, or the token embedding reused as the output projection
/// when <c>tie_word_embeddings</c> is set (then there is no <c>lm_head.weight</c>, as in HF checkpoints).
/// </summary>
public sealed class LlamaForCausalLM : CausalLanguageModel
{
    private readonly LlamaModel model;
    private readonly AdaptableLinear? lm_head;

    public LlamaForCausalLM(ModelConfig config, ScalarType dtype = ScalarType.Float32) : base("LlamaForCausalLM", config)
    {
        if (config.Family != ModelFamily.Llama)
            throw new ArgumentException($"config is for {config.Family}, not Llama");
        model = new LlamaModel(config, dtype);
        lm_head = config.TieWordEmbeddings ? null : new AdaptableLinear(config.HiddenSize, config.VocabSize, hasBias: false, "lm_head", dtype);
        RegisterComponents();
    }

    public override Tensor Forward(Tensor inputIds, Tensor? attentionMask = null, Tensor? positionIds = null, KeyValueCache? cache = null)
    {
        using var scope = NewDisposeScope();
        positionIds ??= DefaultPositionIds(inputIds, cache);
        var hidden = model.Forward(inputIds, attentionMask, positionIds, cache, RunLayer);
        var logits = lm_head?.forward(hidden) ?? nn.functional.linear(hidden, model.Embedding.weight);
        return logits.MoveToOuterDisposeScope();
    }
}
