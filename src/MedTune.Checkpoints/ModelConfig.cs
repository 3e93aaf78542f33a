using System.Text.Json;
using System.Text.Json.Nodes;

namespace MedTune.Checkpoints;

/// <summary>
/// The architecture facts medtune needs from a Hugging Face <c>config.json</c>, for both families.
/// The original JSON is kept so that a checkpoint written back carries every key it came with.
/// </summary>
public sealed record ModelConfig
{
    public required ModelFamily Family { get; init; }
    public required int VocabSize { get; init; }
    public required int HiddenSize { get; init; }
    public required int IntermediateSize { get; init; }
    public required int NumLayers { get; init; }
    public required int NumAttentionHeads { get; init; }
    /// <summary>Key/value heads; fewer than query heads means grouped-query attention.</summary>
    public required int NumKeyValueHeads { get; init; }
    public required int HeadDim { get; init; }
    public int MaxPositionEmbeddings { get; init; } = 2048;
    public double RopeTheta { get; init; } = 10000;
    public RopeScaling? RopeScaling { get; init; }
    /// <summary>Llama: RMSNorm epsilon.</summary>
    public double RmsNormEps { get; init; } = 1e-6;
    /// <summary>GPT-NeoX: LayerNorm epsilon.</summary>
    public double LayerNormEps { get; init; } = 1e-5;
    public bool TieWordEmbeddings { get; init; }
    /// <summary>Bias on the attention projections (Llama: q/k/v/o, default false; GPT-NeoX: query_key_value/dense, default true).</summary>
    public bool AttentionBias { get; init; }
    /// <summary>Llama: bias on gate/up/down projections.</summary>
    public bool MlpBias { get; init; }
    /// <summary>GPT-NeoX: fraction of each head's dimensions that are rotated (1.0 for Llama).</summary>
    public double RotaryPct { get; init; } = 1.0;
    /// <summary>GPT-NeoX: x + attn(ln1(x)) + mlp(ln2(x)) instead of the sequential residual.</summary>
    public bool UseParallelResidual { get; init; } = true;
    public string HiddenAct { get; init; } = "silu";
    public int? BosTokenId { get; init; }
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];
    public int? PadTokenId { get; init; }
    /// <summary>The <c>torch_dtype</c> the weights were saved in (<c>float32</c>, <c>float16</c>, <c>bfloat16</c>).</summary>
    public string TorchDtype { get; init; } = "float32";
    /// <summary>The <c>config.json</c> as read (or as built), including keys medtune does not interpret.</summary>
    public required JsonObject Json { get; init; }

    /// <summary>Dimensions of each head that carry rotary embeddings.</summary>
    public int RotaryDim => (int)(HeadDim * RotaryPct);

    public static ModelConfig Load(string path)
    {
        if (!File.Exists(path))
            throw new CheckpointException($"{path}: config.json not found. A model directory needs the Hugging Face config.json beside its weights.");
        return Parse(File.ReadAllText(path), path);
    }

    public static ModelConfig Parse(string json, string source)
    {
        JsonObject obj;
        try
        {
            obj = JsonNode.Parse(json) as JsonObject
                  ?? throw new CheckpointException($"{source}: expected a JSON object.");
        }
        catch (JsonException e)
        {
            throw new CheckpointException($"{source}: not valid JSON (line {e.LineNumber + 1}): {JsonLineErrors.Reason(e)}", e);
        }
        return new ModelConfigReader(obj, source).Read();
    }

    /// <summary>The config as <c>config.json</c> text (indented, as transformers writes it).</summary>
    public string ToJson() => Json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
}
