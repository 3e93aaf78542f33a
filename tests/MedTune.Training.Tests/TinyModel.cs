using System.Text.Json.Nodes;
using MedTune.Checkpoints;
using MedTune.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MedTune.Training.Tests;

/// <summary>
/// A hand-built causal LM small enough for unit tests: embeddings, blocks of (causal running mean → q/v projections,
/// up/down MLP) with residuals, and an lm_head; projections are <see cref="AdaptableLinear"/> with Llama names.
/// </summary>
internal sealed class TinyModel : CausalLanguageModel
{
    public const int Vocab = 64;
    public Embedding embed_tokens;
    public ModuleList<TinyBlock> layers;
    public AdaptableLinear lm_head;

    public TinyModel(int seed, int hidden = 32, int layerCount = 2) : base("tiny", BuildConfig(hidden, layerCount))
    {
        embed_tokens = nn.Embedding(Vocab, hidden);
        layers = new ModuleList<TinyBlock>(Enumerable.Range(0, layerCount).Select(_ => new TinyBlock(hidden)).ToArray());
        lm_head = new AdaptableLinear(hidden, Vocab, hasBias: false);
        RegisterComponents();
        using var generator = new Generator((ulong)seed);
        using var _ = no_grad();
        foreach (var (name, parameter) in named_parameters())
        {
            // Embeddings ~ N(0, 0.3²); projections scaled by 1/√fan_in so activations keep a realistic size.
            var std = name.StartsWith("embed") ? 0.3 : parameter.shape.Length == 2 ? 1 / Math.Sqrt(parameter.shape[1]) : 0.1;
            parameter.copy_(randn(parameter.shape, generator: generator).mul_(std));
            parameter.requires_grad = false;
        }
        eval();
    }

    private static ModelConfig BuildConfig(int hidden, int layers) => new()
    {
        Family = ModelFamily.Llama,
        VocabSize = Vocab,
        HiddenSize = hidden,
        IntermediateSize = hidden * 2,
        NumLayers = layers,
        NumAttentionHeads = 1,
        NumKeyValueHeads = 1,
        HeadDim = hidden,
        Json = new JsonObject(),
    };

    public override Tensor Forward(Tensor inputIds, Tensor? attentionMask = null, Tensor? positionIds = null, KeyValueCache? cache = null)
    {
        using var scope = NewDisposeScope();
        var h = embed_tokens.call(inputIds);
        foreach (var layer in layers) h = layer.call(h);
        return lm_head.call(h).MoveToOuterDisposeScope();
    }
}

internal sealed class TinyBlock : nn.Module<Tensor, Tensor>
{
    public AdaptableLinear q_proj, v_proj, up_proj, down_proj;

    public TinyBlock(int hidden) : base("block")
    {
        q_proj = new AdaptableLinear(hidden, hidden, hasBias: false);
        v_proj = new AdaptableLinear(hidden, hidden, hasBias: true);
        up_proj = new AdaptableLinear(hidden, hidden * 2, hasBias: false);
        down_proj = new AdaptableLinear(hidden * 2, hidden, hasBias: false);
        RegisterComponents();
    }

    public override Tensor forward(Tensor h)
    {
        var steps = arange(1, h.shape[1] + 1, dtype: h.dtype).reshape(1, -1, 1);
        var context = h.cumsum(1).div(steps); // causal running mean: position t sees tokens ≤ t
        var attended = v_proj.call(tanh(q_proj.call(context)));
        return h + attended + down_proj.call(nn.functional.silu(up_proj.call(h + attended)));
    }
}

/// <summary>Characters as tokens: PAD 0, BOS 1, EOS 2, everything else 3 + code mod 61.</summary>
internal sealed class CharTokenizer : ITrainingTokenizer
{
    public IReadOnlyList<int> Encode(string text, bool addBos)
    {
        var ids = new List<int>();
        if (addBos) ids.Add(1);
        ids.AddRange(text.Select(c => 3 + c % (TinyModel.Vocab - 3)));
        return ids;
    }

    public int EosId => 2;
    public int PadId => 0;
}
