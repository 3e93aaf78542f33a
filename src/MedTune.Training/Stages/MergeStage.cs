using System.Text.Json.Nodes;
using MedTune.Checkpoints;
using MedTune.Manifest;
using MedTune.Models;
using MedTune.Models.Quantization;
using MedTune.Pipeline;

namespace MedTune.Training;

/// <summary>
/// Stage <c>merge</c>: folds the trained adapter into the base weights one tensor at a time
/// (W' = W + (alpha/r)·B·A in float32, W as training saw it: rounded to <c>model.dtype</c>, and dequantized from
/// 4 bit when the base was quantized), stored in the base checkpoint's dtype as Hugging Face shards
/// with the base's config and tokenizer files. Memory stays about one tensor whatever the model's size.
/// </summary>
public sealed class MergeStage(ExperimentManifest manifest, ModelReference baseModel, string trainStageName) : IStage
{
    public string Kind => "merge";
    public int ImplementationVersion => 1;

    /// <summary>The merge is decided by its inputs (base model, adapter), the training dtype and the base quantization.</summary>
    public static JsonNode ConfigFor(ExperimentManifest m)
    {
        var model = new JsonObject { ["dtype"] = m.Model.Dtype, ["family"] = m.Model.Family };
        // Only a quantized base changes the merged weights; leaving the key out otherwise keeps earlier cache keys.
        if (m.Model.Quantization.IsQuantized)
            model["quantization"] = new JsonObject
            {
                ["type"] = m.Model.Quantization.Type,
                ["double_quant"] = m.Model.Quantization.DoubleQuant,
                ["block_size"] = m.Model.Quantization.BlockSize,
                ["compute_dtype"] = m.Model.Quantization.ComputeDtype,
            };
        return new JsonObject { ["model"] = model };
    }

    public Task RunAsync(StageContext context, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Run(context);
        return Task.CompletedTask;
    }

    private void Run(StageContext context)
    {
        var modelDirectory = baseModel.Resolve(context);
        var adapterDirectory = context.UpstreamOutputs.TryGetValue(trainStageName, out var dir)
            ? dir
            : throw new InvalidOperationException($"merge stage '{context.StageName}' has no output of train stage '{trainStageName}'.");
        var options = new StreamingMergeOptions
        {
            TrainingDType = TrainingDevice.DType(manifest.Model.Dtype),
            QuantizedBase = manifest.Model.Quantization is { IsQuantized: true } q
                ? new QuantizedBaseView(QuantizationOptions.FromNames(q.Type, q.DoubleQuant, q.BlockSize, q.ComputeDtype))
                : null,
        };
        var config = ModelConfig.Load(Path.Combine(modelDirectory, "config.json"));
        var total = ParameterLayout.For(config).Sum(p => p.ElementCount) * TensorDTypes.FromTorchDtype(config.TorchDtype).ElementSize();
        StreamingMergeResult result;
        var (bar, bytes) = ByteProgress.Start(context.Reporter, "merging LoRA into the base", total);
        using (bar)
            result = StreamingLoraMerger.Merge(modelDirectory, adapterDirectory, context.OutputDirectory, options, bytes);
        context.RecordFacts["merged_projections"] = result.MergedProjections;
        context.RecordFacts["storage_dtype"] = result.StorageDType.ToString();
        context.RecordFacts["weight_files"] = result.WeightFiles.Count;
        if (result.QuantizedWeights > 0) context.RecordFacts["dequantized_weights"] = result.QuantizedWeights;
        context.Reporter.Info($"merged LoRA into {result.MergedProjections} projections ({result.WeightFiles.Count} weight file(s), {result.StorageDType})");
    }
}
