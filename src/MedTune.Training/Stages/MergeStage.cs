using System.Text.Json.Nodes;
using MedTune.Manifest;
using MedTune.Models;
using MedTune.Pipeline;

namespace MedTune.Training;

/// <summary>
/// Stage <c>merge</c>: folds the trained adapter into the base weights (W' = W + scale·B·A, in float32, stored in the
/// base model's dtype) and writes a Hugging Face model directory with the base's tokenizer files.
/// </summary>
public sealed class MergeStage(ExperimentManifest manifest, ModelReference baseModel, string trainStageName) : IStage
{
    public string Kind => "merge";
    public int ImplementationVersion => 1;

    /// <summary>The merge is decided by its inputs (base model, adapter) and the storage dtype.</summary>
    public static JsonNode ConfigFor(ExperimentManifest m) => new JsonObject
    {
        ["model"] = new JsonObject { ["dtype"] = m.Model.Dtype, ["family"] = m.Model.Family },
    };

    public Task RunAsync(StageContext context, CancellationToken cancellationToken) =>
        Task.Run(() => Run(context), cancellationToken);

    private void Run(StageContext context)
    {
        var modelDirectory = baseModel.Resolve(context);
        var adapterDirectory = context.UpstreamOutputs.TryGetValue(trainStageName, out var dir)
            ? dir
            : throw new InvalidOperationException($"merge stage '{context.StageName}' has no output of train stage '{trainStageName}'.");
        // Merge on the CPU: the sum is computed in float32 and stored in the model's dtype either way.
        using var model = ModelLoader.Load(modelDirectory, dtype: TrainingDevice.DType(manifest.Model.Dtype));
        using (var adapter = LoraAdapter.Load(adapterDirectory, model, context.Seed))
        {
            var merged = LoraMerger.Merge(model);
            context.RecordFacts["merged_projections"] = merged;
            context.Reporter.Info($"merged LoRA into {merged} projections (scale {adapter.Layers[0].Layer.Scale})");
        }
        CheckpointSaver.Save(model, context.OutputDirectory, modelDirectory);
    }
}
