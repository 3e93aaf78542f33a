using System.Text.RegularExpressions;
using MedTune.Checkpoints;
using MedTune.Models.Quantization;
using TorchSharp;
using static TorchSharp.torch;

namespace MedTune.Models;

/// <summary>
/// Matches a model's parameters with a checkpoint's tensors by name, shape and dtype, and streams the tensors in, one at a
/// time, through a memory map: straight into the parameter when the dtypes agree, else converted window by window
/// (64 MiB of the file at a time), or quantized to 4 bit for projections that are to be quantized. No tensor is ever
/// held whole in a second copy, so peak memory is about the finished model plus one window.
/// </summary>
internal static partial class CheckpointParameters
{
    /// <summary>Bytes of a checkpoint tensor mapped and converted at a time.</summary>
    private const long WindowBytes = 64L << 20;

    /// <summary>Output heads are never quantized (bitsandbytes/transformers keep lm_head in the model dtype).</summary>
    private static readonly HashSet<string> OutputHeads = new(StringComparer.Ordinal) { "lm_head", "embed_out" };

    /// <summary>Buffers older checkpoints carry that are recomputed here (causal masks, rotary frequencies).</summary>
    [GeneratedRegex(@"(\.attention\.(bias|masked_bias)|\.rotary_emb\.inv_freq)$")]
    private static partial Regex RecomputedBuffer();

    public static void CopyInto(CausalLanguageModel model, CheckpointWeights weights, string directory, QuantizationOptions? quantization = null)
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

        var quantized = quantization is null
            ? new Dictionary<string, AdaptableLinear>()
            : model.Linears().Where(l => !OutputHeads.Contains(l.Path[(l.Path.LastIndexOf('.') + 1)..]))
                .ToDictionary(l => l.Path + ".weight", l => l.Linear, StringComparer.Ordinal);
        using var noGrad = no_grad();
        foreach (var (name, parameter) in parameters)
        {
            if (quantized.TryGetValue(name, out var linear))
                linear.UseQuantizedWeight(Quantize(weights, name, quantization!), quantization!.ComputeDType);
            else
                Copy(weights, name, parameter);
        }
    }

    /// <summary>Tied output projections are stored by some exporters although they are the embedding.</summary>
    private static bool Ignorable(string name, ModelConfig config) =>
        RecomputedBuffer().IsMatch(name) || config.TieWordEmbeddings && name is "lm_head.weight" or "embed_out.weight";

    private static void Copy(CheckpointWeights weights, string name, Tensor destination)
    {
        var fileType = weights.Info(name).DType.ToScalarType();
        var elementSize = fileType.ElementSize();
        using var flat = destination.view(-1);
        weights.ReadMapped(name, WindowBytes, (bytes, offset) =>
        {
            using var part = flat.narrow(0, offset / elementSize, bytes.Length / elementSize);
            if (fileType == destination.dtype)
            {
                bytes.CopyTo(part.bytes);
                return;
            }
            using var staging = empty(bytes.Length / elementSize, fileType);
            bytes.CopyTo(staging.bytes);
            part.copy_(staging);
        });
    }

    /// <summary>Quantizes a checkpoint tensor to 4 bit straight from the memory-mapped file, 2^20 elements at a time.</summary>
    private static QuantizedWeight Quantize(CheckpointWeights weights, string name, QuantizationOptions options)
    {
        var info = weights.Info(name);
        var elementSize = info.DType.ElementSize();
        float[]? scratch = null;
        return BlockwiseQuantizer.Quantize(info.Shape, info.DType.ToScalarType(), options, (start, destination) =>
        {
            if (scratch is null || scratch.Length < destination.Length) scratch = new float[destination.Length];
            var buffer = scratch;
            weights.ReadMapped(name, start * elementSize, destination.Length * elementSize,
                (bytes, _) => TensorConversions.ToFloat32(bytes, info.DType, buffer));
            buffer.AsSpan(0, destination.Length).CopyTo(destination);
        });
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
