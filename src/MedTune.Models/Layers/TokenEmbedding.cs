using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MedTune.Models;

/// <summary>Token id → vector lookup with a single <c>weight</c> [vocab, hidden] (uninitialised until loaded).</summary>
public sealed class TokenEmbedding : nn.Module<Tensor, Tensor>
{
    public Parameter weight;

    public TokenEmbedding(long vocabSize, long hiddenSize, ScalarType dtype, string name = "embedding") : base(name)
    {
        weight = new Parameter(empty(vocabSize, hiddenSize, dtype), requires_grad: false);
        RegisterComponents();
    }

    public override Tensor forward(Tensor inputIds)
    {
        using var flat = inputIds.reshape(-1);
        using var vectors = weight.index_select(0, flat);
        return vectors.reshape([.. inputIds.shape, weight.shape[1]]);
    }
}
