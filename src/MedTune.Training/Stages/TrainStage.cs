using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MedTune.Checkpoints.Tokenization;
using MedTune.Manifest;
using MedTune.Models;
using MedTune.Pipeline;
using static TorchSharp.torch;

namespace MedTune.Training;

/// <summary>
/// Stage <c>train</c>: LoRA instruction-tuning of the base model on <c>datasets.train</c>. Output: a PEFT adapter
/// (<c>adapter_config.json</c>, <c>adapter_model.safetensors</c>), <c>train_log.jsonl</c> and <c>train_metrics.json</c>.
/// Resumable: checkpoints go to the work directory, and a re-run after a crash continues from the newest one.
/// </summary>
public sealed class TrainStage(ExperimentManifest manifest, ModelReference baseModel) : IStage
{
    public const string MetricsFileName = "train_metrics.json";

    public string Kind => "train";
    public int ImplementationVersion => 3; // 3: loss normalised over the accumulation window's response tokens; per-dataset counts in train_metrics.json

    /// <summary>The settings that decide the adapter: seed, model dtype/device/family, lora, train, datasets.train.</summary>
    public static JsonNode ConfigFor(ExperimentManifest m) => new JsonObject
    {
        ["seed"] = m.Seed,
        ["model"] = ModelKey(m),
        ["lora"] = ManifestJson.Section(m.Lora),
        ["train"] = ManifestJson.Section(m.Train),
        ["datasets"] = new JsonObject { ["train"] = new JsonArray(m.Datasets.Train.Select(d => (JsonNode)ManifestJson.Section(d)).ToArray()) },
    };

    /// <summary>The model settings that decide the adapter; quantization only when on, so LoRA runs keep their keys.</summary>
    private static JsonObject ModelKey(ExperimentManifest m)
    {
        var model = new JsonObject { ["dtype"] = m.Model.Dtype, ["device"] = m.Model.Device, ["family"] = m.Model.Family };
        if (m.Model.Quantization.IsQuantized) model["quantization"] = ManifestJson.Section(m.Model.Quantization);
        return model;
    }

    public Task RunAsync(StageContext context, CancellationToken cancellationToken)
    {
        Run(context, cancellationToken);
        return Task.CompletedTask;
    }

    private void Run(StageContext context, CancellationToken cancellationToken)
    {
        var modelDirectory = baseModel.Resolve(context);
        var tokenizer = new TextTrainingTokenizer(TextTokenizer.Load(modelDirectory), modelDirectory);
        var (examples, datasetCounts) = LoadExamples(tokenizer, context);

        var device = TrainingDevice.Resolve(manifest.Model.Device);
        var quantization = ModelQuantization.Options(manifest.Model.Quantization);
        using var model = ModelLoader.Load(modelDirectory, device, TrainingDevice.DType(manifest.Model.Dtype), quantization);
        using var lora = LoraInjector.Apply(model, manifest.Lora, context.Seed);
        var trainer = new LoraTrainer(lora, examples, manifest.Train, context.Seed, tokenizer.PadId);
        context.Reporter.Info($"training {lora.Parameters().Sum(p => p.numel()):N0} LoRA parameters on {lora.Layers.Count} projections; " +
                              $"{examples.Count} examples, {trainer.Plan.TotalSteps} steps, {get_num_threads()} torch threads");
        var outcome = trainer.Run(context.WorkDirectory, context.Reporter, cancellationToken);

        LoraAdapter.Save(lora, context.OutputDirectory, manifest.Model.Base);
        TrainLogFiles.Split(outcome.LogPath, context.OutputDirectory);
        var metrics = new JsonObject
        {
            ["steps"] = outcome.Steps,
            ["final_loss"] = outcome.FinalLoss,
            ["examples"] = examples.Count,
            ["tokens"] = examples.Sum(e => (long)e.InputIds.Length),
            ["loss_tokens"] = examples.Sum(e => (long)e.LabelCount),
            ["datasets"] = datasetCounts,
            ["trainable_parameters"] = lora.Parameters().Sum(p => p.numel()),
            ["torch_threads"] = get_num_threads(),
            ["device"] = device.type.ToString().ToLowerInvariant(),
        };
        AtomicFile.WriteAllText(Path.Combine(context.OutputDirectory, MetricsFileName), metrics.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        // Speed, memory and resumption vary from run to run; they go in the record, not in the hashed output.
        context.RecordFacts["final_loss"] = outcome.FinalLoss;
        context.RecordFacts["steps"] = outcome.Steps;
        context.RecordFacts["resumed_from_step"] = outcome.ResumedFromStep;
        context.RecordFacts["tokens_per_s"] = Math.Round(outcome.TokensPerSecond, 1);
        context.RecordFacts["train_seconds"] = Math.Round(outcome.Seconds, 2);
        context.RecordFacts["peak_rss_mb"] = Math.Round(outcome.PeakRssMegabytes, 1);
        context.RecordFacts["torch_threads"] = get_num_threads();
        context.RecordFacts["padded_token_share"] = Math.Round(outcome.PaddedTokenShare, 4);
        if (quantization is not null)
            context.RecordFacts["quantized_projections"] = model.Linears().Count(l => l.Linear.IsQuantized);
    }

    /// <returns>The examples, and per dataset what was read and kept (records, examples, tokens) for the report.</returns>
    private (List<TokenizedExample> Examples, JsonArray DatasetCounts) LoadExamples(ITrainingTokenizer tokenizer, StageContext context)
    {
        if (manifest.Datasets.Train.Count == 0)
            throw new InvalidOperationException($"{manifest.ManifestPath}: datasets.train is empty; the train stage needs at least one dataset.");
        var trainOn = ExampleEncoder.ParseTrainOn(manifest.Train.TrainOn);
        var all = new List<TokenizedExample>();
        var counts = new JsonArray();
        int truncated = 0, dropped = 0, skipped = 0;
        foreach (var spec in manifest.Datasets.Train)
        {
            var read = InstructionDatasetReader.Read(spec);
            foreach (var reason in read.Skipped.Take(20)) context.Reporter.Warning("skipped invalid record " + reason);
            var encoded = new ExampleEncoder(tokenizer, spec.Template, manifest.Train.MaxSeqLength, trainOn).Encode(read.Examples);
            foreach (var source in encoded.DroppedSources.Take(20))
                context.Reporter.Warning($"{source}: prompt fills max_seq_length ({manifest.Train.MaxSeqLength}); example dropped");
            all.AddRange(encoded.Examples);
            counts.Add(new JsonObject
            {
                ["name"] = string.IsNullOrWhiteSpace(spec.Name) ? Path.GetFileNameWithoutExtension(spec.Path.TrimEnd('/', '\\')) : spec.Name,
                ["format"] = spec.Format,
                ["template"] = spec.Template,
                ["records"] = read.Examples.Count,
                ["skipped_invalid_records"] = read.Skipped.Count,
                ["examples"] = encoded.Examples.Count,
                ["truncated_examples"] = encoded.TruncatedCount,
                ["dropped_examples"] = encoded.DroppedSources.Count,
                ["tokens"] = encoded.Examples.Sum(e => (long)e.InputIds.Length),
                ["loss_tokens"] = encoded.Examples.Sum(e => (long)e.LabelCount),
            });
            truncated += encoded.TruncatedCount;
            dropped += encoded.DroppedSources.Count;
            skipped += read.Skipped.Count;
        }
        if (truncated > 0) context.Reporter.Warning($"{truncated} examples were cut to max_seq_length {manifest.Train.MaxSeqLength}");
        context.RecordFacts["train_examples"] = all.Count;
        context.RecordFacts["truncated_examples"] = truncated;
        context.RecordFacts["dropped_examples"] = dropped;
        context.RecordFacts["skipped_invalid_records"] = skipped;
        if (all.Count == 0) throw new InvalidOperationException("no training example is left after tokenization; raise train.max_seq_length.");
        return (all, counts);
    }
}
