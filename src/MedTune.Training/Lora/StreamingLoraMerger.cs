using MedTune.Checkpoints;
using MedTune.Models;
using static TorchSharp.torch;

namespace MedTune.Training;

/// <summary>
/// The frozen weights as training saw them when the base was quantized (QLoRA): <c>W → Dequantize(Quantize(W))</c>
/// for the parameters the quantizer stores in 4 bit, so that a merged model equals what the adapter was trained against.
/// </summary>
public interface IQuantizedBaseView
{
    /// <summary>Whether training held <paramref name="parameterName"/> quantized.</summary>
    bool Applies(string parameterName, long[] shape);
    /// <summary>The float32 values the quantized weight stands for, from its float32 original.</summary>
    Tensor RoundTrip(Tensor weightFloat32);
}

public sealed record StreamingMergeOptions
{
    /// <summary>The dtype training held the base in (manifest <c>model.dtype</c>); every base weight is rounded to it first.</summary>
    public ScalarType TrainingDType { get; init; } = ScalarType.Float32;
    /// <summary>The dtype the merged weights are stored in; null keeps the base checkpoint's <c>torch_dtype</c>.</summary>
    public TensorDType? StorageDType { get; init; }
    /// <summary>Largest shard file (transformers' max_shard_size); the default is its 5 GB.</summary>
    public long MaxShardBytes { get; init; } = ShardedSafetensorsWriter.DefaultMaxShardBytes;
    /// <summary>Set when the adapter was trained on a quantized base.</summary>
    public IQuantizedBaseView? QuantizedBase { get; init; }
}

public sealed record StreamingMergeResult(int MergedProjections, int QuantizedWeights, TensorDType StorageDType, IReadOnlyList<string> WeightFiles, long WeightBytes);

/// <summary>
/// Folds a PEFT LoRA adapter into a base checkpoint one tensor at a time, never holding the model:
/// each base tensor is read from its safetensors file, rounded to the training dtype (and through the 4-bit
/// quantizer when the base was quantized), <c>(alpha/r)·B·A</c> is added in float32, and the result is written in the
/// storage dtype into Hugging Face shards (<see cref="ShardedSafetensorsWriter"/>) beside the base's config.json,
/// generation_config.json and tokenizer files. Peak memory is about one
/// tensor in float32 plus the adapter's A and B of one projection; the output is bit-identical between runs.
/// </summary>
public static class StreamingLoraMerger
{
    public static StreamingMergeResult Merge(string baseDirectory, string adapterDirectory, string outputDirectory,
        StreamingMergeOptions options, IProgress<long>? bytesWritten = null)
    {
        var config = ModelConfig.Load(Path.Combine(baseDirectory, "config.json"));
        var storage = options.StorageDType ?? TensorDTypes.FromTorchDtype(config.TorchDtype);
        var layout = ParameterLayout.For(config);
        using var weights = CheckpointWeights.Open(baseDirectory);
        CheckShapes(weights, layout, baseDirectory);
        using var adapter = AdapterMatrices.Open(adapterDirectory, layout);

        var quantized = 0;
        var sources = new List<TensorSource>();
        foreach (var parameter in layout)
        {
            var modulePath = parameter.Name.EndsWith(".weight", StringComparison.Ordinal) ? parameter.Name[..^".weight".Length] : null;
            var adapted = modulePath is not null && adapter.Adapts(modulePath);
            var roundTrip = options.QuantizedBase is { } view && view.Applies(parameter.Name, parameter.Shape);
            if (roundTrip) quantized++;
            var fileType = weights.Info(parameter.Name).DType;
            var unchanged = !adapted && !roundTrip && fileType == storage && Lossless(fileType, options.TrainingDType);
            sources.Add(new TensorSource(parameter.Name, storage, parameter.Shape, unchanged
                ? stream => CheckpointTensors.CopyRaw(weights, parameter.Name, stream)
                : stream => WriteMerged(weights, parameter.Name, adapted ? modulePath : null, roundTrip, adapter, options, storage, stream)));
        }
        Directory.CreateDirectory(outputDirectory);
        var files = ShardedSafetensorsWriter.Write(outputDirectory, sources, options.MaxShardBytes,
            bytesWritten is null ? null : t => bytesWritten.Report(t.ByteCount));
        CheckpointSaver.WriteCompanionFiles(config, baseDirectory, outputDirectory);
        return new StreamingMergeResult(adapter.ModuleCount, quantized, storage, files, sources.Sum(s => s.ByteCount));
    }

    /// <summary>Whether rounding a <paramref name="file"/> tensor to <paramref name="training"/> changes nothing.</summary>
    private static bool Lossless(TensorDType file, ScalarType training) =>
        training == ScalarType.Float32 || CheckpointTensors.ScalarTypeOf(file) == training;

    private static void WriteMerged(CheckpointWeights weights, string name, string? modulePath, bool roundTrip,
        AdapterMatrices adapter, StreamingMergeOptions options, TensorDType storage, Stream stream)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var weight = CheckpointTensors.Read(weights, name).to_type(options.TrainingDType).to_type(ScalarType.Float32);
        if (roundTrip) weight = options.QuantizedBase!.RoundTrip(weight);
        if (modulePath is not null) weight = weight.add(adapter.Delta(modulePath));
        CheckpointTensors.Write(weight, storage, stream);
    }

    private static void CheckShapes(CheckpointWeights weights, IReadOnlyList<ParameterShape> layout, string directory)
    {
        var problems = new List<string>();
        foreach (var parameter in layout)
        {
            if (!weights.Contains(parameter.Name)) { problems.Add($"'{parameter.Name}' is missing"); continue; }
            var info = weights.Info(parameter.Name);
            if (!info.Shape.SequenceEqual(parameter.Shape))
                problems.Add($"'{parameter.Name}' has shape [{string.Join(", ", info.Shape)}], config.json implies [{string.Join(", ", parameter.Shape)}]");
            else if (!info.DType.IsFloatingPoint())
                problems.Add($"'{parameter.Name}' is {info.DType}; weights must be F32, F16 or BF16");
        }
        if (problems.Count > 0)
            throw new CheckpointException($"{directory}: the safetensors weights do not fit config.json: {string.Join("; ", problems.Take(8))}" +
                                          (problems.Count > 8 ? $" … ({problems.Count} in all)" : "") + ". Check that config.json and the weights come from the same model.");
    }
}
