using System.Text.RegularExpressions;
using MedTune.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace MedTune.Models;

/// <summary>
/// Matches a model's parameters with a checkpoint's tensors by name, shape and dtype, and copies the
/// tensors in: straight into the parameter when the dtypes agree, else through one staging tensor.
/// </summary>
internal static partial class CheckpointParameters
{
    /// <summary>Buffers older checkpoints carry that are recomputed here (causal masks, rotary frequencies).</summary>
    [GeneratedRegex(@"(\.attention\.(bias|masked_bias)|\.rotary_emb\.inv_freq)$")]
    private static partial Regex RecomputedBuffer();

    public static void CopyInto(CausalLanguageModel model, CheckpointWeights weights, string directory)
    {
        var parameters = model.named_parameters().ToList();
        var byName = parameters.Select(p => p.name).ToHashSet(StringComparer.Ordinal);
        var missing = parameters.Select(p => p.name).Where(n => !weights.Contains(n)).ToList();
        var unexpected = weights.Names.Where(n => !byName.Contains(n) && !Ignorable(n, model.Config)).Order(StringComparer.Ordinal).ToList();
        var mismatched = new List<string>();
        foreach (var (name, parameter) in parameters.Where(p => weights.Contains(p.name)))
        {
            var info = weights.Info(name);
            if (!info.Shape.SequenceEqual(parameter.shape))
                mismatched.Add($"{name} has shape [{string.Join(", ", info.Shape)}] in {Path.GetFileName(weights.PathOf(name))}, config.json implies [{string.Join(", ", parameter.shape)}]");
            else if (!info.DType.IsFloatingPoint())
                mismatched.Add($"{name} is {info.DType}; parameters must be F32, F16 or BF16");
        }
        if (missing.Count + unexpected.Count + mismatched.Count > 0)
            throw new CheckpointException(Describe(directory, model.Config, missing, unexpected, mismatched));

        using var noGrad = no_grad();
        foreach (var (name, parameter) in parameters)
            Copy(weights, name, parameter);
    }

    /// <summary>Tied output projections are stored by some exporters although they are the embedding.</summary>
    private static bool Ignorable(string name, ModelConfig config) =>
        RecomputedBuffer().IsMatch(name) || config.TieWordEmbeddings && name is "lm_head.weight" or "embed_out.weight";

    private static void Copy(CheckpointWeights weights, string name, Tensor destination)
    {
        var fileType = weights.Info(name).DType.ToScalarType();
        if (fileType == destination.dtype)
        {
            TensorTypes.ForEachByteChunk(destination, (offset, span) => weights.CopyBytes(name, offset, span));
            return;
        }
        using var staging = empty(destination.shape, fileType);
        TensorTypes.ForEachByteChunk(staging, (offset, span) => weights.CopyBytes(name, offset, span));
        destination.copy_(staging);
    }

    private static string Describe(string directory, ModelConfig config, List<string> missing, List<string> unexpected, List<string> mismatched)
    {
        static string List(IReadOnlyList<string> names) =>
            string.Join(", ", names.Take(8)) + (names.Count > 8 ? $" … ({names.Count} in all)" : "");
        var parts = new List<string>();
        if (missing.Count > 0) parts.Add($"missing tensors: {List(missing)}");
        if (unexpected.Count > 0) parts.Add($"unexpected tensors: {List(unexpected)}");
        if (mismatched.Count > 0) parts.Add($"mismatched tensors: {List(mismatched)}");
        return $"{directory}: the safetensors weights do not fit config.json ({config.Family}, {config.NumLayers} layers, hidden {config.HiddenSize}): " +
               string.Join("; ", parts) + ". Check that config.json and the weights come from the same model.";
    }
}
