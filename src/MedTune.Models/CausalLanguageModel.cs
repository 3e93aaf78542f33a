using MedTune.Checkpoints;
using static TorchSharp.torch;

namespace MedTune.Models;

/// <summary>
/// A decoder-only language model whose parameter names are exactly the Hugging Face checkpoint's
/// (<c>model.layers.0.self_attn.q_proj.weight</c>, <c>gpt_neox.layers.0.attention.query_key_value.weight</c>, …).
/// </summary>
public abstract class CausalLanguageModel : nn.Module
{
    protected CausalLanguageModel(string name, ModelConfig config) : base(name) => Config = config;

    public ModelConfig Config { get; }

    /// <summary>The architecture for <paramref name="config"/>, parameters allocated but not initialised.</summary>
    public static CausalLanguageModel Create(ModelConfig config, ScalarType dtype = ScalarType.Float32) => config.Family switch
    {
        ModelFamily.Llama => new LlamaForCausalLM(config, dtype),
        ModelFamily.GptNeoX => new GptNeoXForCausalLM(config, dtype),
        _ => throw new ArgumentOutOfRangeException(nameof(config), config.Family, "unknown model family"),
    };

    /// <summary>
    /// Logits [batch, seq, vocab] for <paramref name="inputIds"/> [batch, seq].
    /// <paramref name="attentionMask"/> [batch, past + seq] is 1 for real tokens and 0 for (left) padding;
    /// <paramref name="positionIds"/> [batch, seq] default to past length + 0..seq-1 (pass
    /// <see cref="PositionIds.FromAttentionMask"/> for left-padded rows);
    /// with <paramref name="cache"/>, keys/values of earlier calls are attended to and this call's are appended.
    /// </summary>
    public abstract Tensor Forward(Tensor inputIds, Tensor? attentionMask = null, Tensor? positionIds = null, KeyValueCache? cache = null);

    /// <summary>
    /// When set, each decoder layer's activations are recomputed in the backward pass instead of being kept
    /// (<see cref="ActivationCheckpointing"/>); it has no effect without autograd.
    /// </summary>
    public ActivationCheckpointing? Checkpointing { get; set; }

    /// <summary>Runs one decoder layer, through <see cref="Checkpointing"/> when it is on and the model is training.</summary>
    protected internal Tensor RunLayer(Func<Tensor, Tensor> layer, Tensor hidden, Tensor[] captured) =>
        Checkpointing is { } checkpointing && training ? checkpointing.Run(layer, hidden, captured) : layer(hidden);

    /// <summary>An empty cache with one slot per layer.</summary>
    public KeyValueCache CreateCache() => new(Config.NumLayers);

    /// <summary>Where the parameters live.</summary>
    public Device Device => parameters().First().device;

    /// <summary>Every projection in the model by its module path (e.g. <c>model.layers.0.self_attn.q_proj</c>).</summary>
    public IEnumerable<(string Path, AdaptableLinear Linear)> Linears() =>
        named_modules().Where(m => m.module is AdaptableLinear).Select(m => (m.name, (AdaptableLinear)m.module));

    protected static Tensor DefaultPositionIds(Tensor inputIds, KeyValueCache? cache) =>
        PositionIds.Sequential(inputIds.shape[0], inputIds.shape[1], cache?.Length ?? 0, inputIds.device);
}
