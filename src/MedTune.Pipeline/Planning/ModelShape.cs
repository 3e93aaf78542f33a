using MedTune.Checkpoints;

namespace MedTune.Pipeline.Planning;

/// <summary>One linear projection of a decoder layer, named as in the checkpoint (and in <c>lora.target_modules</c>).</summary>
public sealed record LinearShape(string Name, long InFeatures, long OutFeatures, bool HasBias)
{
    public long Parameters => InFeatures * OutFeatures + (HasBias ? OutFeatures : 0);
}

/// <summary>
/// The parameter layout of a model, from its <c>config.json</c> alone (no weights are read). It mirrors the
/// modules in MedTune.Models: <c>LlamaAttention</c>/<c>LlamaMlp</c> and <c>GptNeoXAttention</c>/<c>GptNeoXMlp</c>.
/// </summary>
public sealed record ModelShape(ModelConfig Config, IReadOnlyList<LinearShape> LayerLinears)
{
    public static ModelShape From(ModelConfig c)
    {
        long h = c.HiddenSize, i = c.IntermediateSize, q = (long)c.NumAttentionHeads * c.HeadDim, kv = (long)c.NumKeyValueHeads * c.HeadDim;
        IReadOnlyList<LinearShape> linears = c.Family == ModelFamily.Llama
            ?
            [
                new("q_proj", h, q, c.AttentionBias), new("k_proj", h, kv, c.AttentionBias), new("v_proj", h, kv, c.AttentionBias),
                new("o_proj", q, h, c.AttentionBias),
                new("gate_proj", h, i, c.MlpBias), new("up_proj", h, i, c.MlpBias), new("down_proj", i, h, c.MlpBias),
            ]
            :
            [
                new("query_key_value", h, 3 * h, c.AttentionBias), new("dense", h, h, c.AttentionBias),
                new("dense_h_to_4h", h, i, true), new("dense_4h_to_h", i, h, true),
            ];
        return new ModelShape(c, linears);
    }

    public int Layers => Config.NumLayers;
    public long Hidden => Config.HiddenSize;
    public long Vocab => Config.VocabSize;

    /// <summary>Weights of the decoder layers' linear projections (what 4-bit quantization stores in 4 bit).</summary>
    public long LinearParameters => Layers * LayerLinears.Sum(l => l.InFeatures * l.OutFeatures);

    /// <summary>Everything else: embedding, output head (unless tied), norms, biases.</summary>
    public long OtherParameters
    {
        get
        {
            var embedding = Vocab * Hidden;
            var head = Config.TieWordEmbeddings ? 0 : Vocab * Hidden;
            // Llama: RMSNorm weight ×2 per layer + final; GPT-NeoX: LayerNorm weight and bias ×2 per layer + final.
            var norms = Config.Family == ModelFamily.Llama ? (2L * Layers + 1) * Hidden : (4L * Layers + 2) * Hidden;
            var biases = Layers * LayerLinears.Where(l => l.HasBias).Sum(l => l.OutFeatures);
            return embedding + head + norms + biases;
        }
    }

    public long Parameters => LinearParameters + OtherParameters;

    /// <summary>The largest single tensor (elements): what a streaming load, merge or export holds besides its output.</summary>
    public long LargestTensor => Math.Max(Vocab * Hidden, LayerLinears.Max(l => l.InFeatures * l.OutFeatures));

    /// <summary>
    /// The largest float32 array the ONNX export builds (elements): the embedding or head, or a projection as the graph
    /// stores it — Llama's fused q|k|v and gate|up, GPT-NeoX's query_key_value (read, then regrouped per head into a copy).
    /// </summary>
    public long LargestExportArray
    {
        get
        {
            var table = Vocab * Hidden;
            long i = Config.IntermediateSize, h = Hidden;
            if (Config.Family == ModelFamily.Llama)
            {
                long q = (long)Config.NumAttentionHeads * Config.HeadDim, kv = (long)Config.NumKeyValueHeads * Config.HeadDim;
                return new[] { table, 2 * i * h, (q + 2 * kv) * h, q * h }.Max();
            }
            return new[] { table, 2 * 3 * h * h, i * h }.Max();
        }
    }

    /// <summary>The largest linear weight of a decoder layer (elements): dequantized per matmul on a 4-bit base.</summary>
    public long LargestLayerLinear => LayerLinears.Max(l => l.InFeatures * l.OutFeatures);

    /// <summary>All parameters of one decoder layer (elements).</summary>
    public long LayerParameters => LinearParameters / Layers + (Config.Family == ModelFamily.Llama ? 2 : 4) * Hidden;

    /// <summary>
    /// The projections <c>lora.target_modules</c> selects in each layer, as PEFT matches them: <c>all-linear</c>
    /// is every projection except the output head; otherwise names match a projection's last path component.
    /// </summary>
    public IReadOnlyList<LinearShape> LoraTargets(IReadOnlyList<string> targetModules)
    {
        if (targetModules is ["all-linear"]) return LayerLinears;
        var unknown = targetModules.Where(t => LayerLinears.All(l => l.Name != t)).ToList();
        if (unknown.Count > 0)
            throw new ArgumentException(
                $"lora.target_modules: {string.Join(", ", unknown)} not found in the model. " +
                $"Its projections are: {string.Join(", ", LayerLinears.Select(l => l.Name))} (or use all-linear).");
        return LayerLinears.Where(l => targetModules.Contains(l.Name)).ToList();
    }
}
