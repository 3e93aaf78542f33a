using MedTune.Checkpoints;
using MedTune.Manifest;
using MedTune.Models;
using MedTune.Pipeline.Planning;
using Microsoft.ML.OnnxRuntime;

namespace MedTune.Tool.Experiments;

/// <summary>
/// Maps a manifest onto the resource estimator's settings (<see cref="PlanSettings"/>) and estimates every stage:
/// the shapes come from the base model's <c>config.json</c> (no weights are read), the budgets from the devices the
/// manifest names — this machine's RAM for cpu, <c>model.device_memory_gb</c> for cuda.
/// </summary>
public static class ExperimentResources
{
    /// <summary>Prompt tokens assumed per question and per few-shot exemplar (the prompts are not tokenized by plan).</summary>
    public const int PromptTokensPerItem = 512;

    public static ResourcePlan Estimate(ExperimentManifest manifest) => ResourceEstimator.Estimate(SettingsFor(manifest));

    public static PlanSettings SettingsFor(ExperimentManifest m, Func<string, string>? resolveDevice = null)
    {
        resolveDevice ??= ResolveDevice;
        var config = LoadConfig(m.Model);
        var host = new DeviceBudget("cpu", HostMemoryBytes(), "this machine's RAM");
        DeviceBudget Budget(string device) => device == "cuda"
            ? new DeviceBudget("cuda", m.Model.DeviceMemoryGb is { } gb ? (long)(gb * 1e9) : null,
                m.Model.DeviceMemoryGb is null ? "model.device_memory_gb unset" : "model.device_memory_gb")
            : host;
        var q = m.Model.Quantization;
        var prompts = EvaluationPromptLengths.Longest(m);
        return new PlanSettings
        {
            Model = ModelShape.From(config),
            Weights = new WeightFormat(m.Model.Dtype, q.Type, q.DoubleQuant, q.BlockSize, q.ComputeDtype),
            Trains = m.Evaluate.Models.Contains("tuned"),
            LoraRank = m.Lora.R,
            LoraTargets = m.Lora.TargetModules,
            TrainBatchSize = m.Train.BatchSize,
            MaxSeqLength = m.Train.MaxSeqLength,
            GradientCheckpointing = m.Train.GradientCheckpointing,
            Evaluated = m.Evaluate.Models.Distinct().ToList(),
            ExportPrecision = m.Export.Precision,
            MeasureInt4Cost = m.Export.Int4Cost,
            EvalBatchSize = m.Evaluate.BatchSize,
            PromptTokens = Math.Min(prompts.Tokens ?? PromptTokensPerItem * (1 + m.Evaluate.Shots), Math.Max(1, config.MaxPositionEmbeddings - m.Evaluate.Decoding.MaxNewTokens)),
            PromptTokensSource = prompts.Tokens is null ? $"{PromptTokensPerItem} per question and per few-shot exemplar: {prompts.Source}" : prompts.Source,
            MaxNewTokens = m.Evaluate.Decoding.MaxNewTokens,
            TrainDevice = Budget(TrainDeviceOf(m, resolveDevice)),
            EvalDevice = Budget(resolveDevice(m.Evaluate.Device == "auto" ? "auto-onnx" : m.Evaluate.Device)),
            HostDevice = host,
        };
    }

    /// <summary>Where training runs (<c>cpu</c> or <c>cuda</c>): <c>model.device</c>, with <c>auto</c> resolved for libtorch.</summary>
    public static string TrainDeviceOf(ExperimentManifest m, Func<string, string>? resolveDevice = null) =>
        (resolveDevice ?? ResolveDevice)(m.Model.Device == "auto" ? "auto-torch" : m.Model.Device);

    /// <summary>The base model's config: the builtin one, or <c>config.json</c> in the checkpoint directory.</summary>
    public static ModelConfig LoadConfig(ModelSection model) => model.IsBuiltin
        ? BuiltinModels.Config(model.Base["builtin:".Length..])
        : ModelConfig.Load(Path.Combine(model.ResolvedBasePath!, "config.json"));

    /// <summary>Physical memory available to this process (the machine's RAM, or its container's limit).</summary>
    public static long HostMemoryBytes() => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    /// <summary><c>auto</c> is cuda when the library that runs the stage can use a GPU here (TorchSharp for train/merge, ONNX Runtime for evaluation).</summary>
    private static string ResolveDevice(string device) => device switch
    {
        "auto-torch" => TorchSharp.torch.cuda.is_available() ? "cuda" : "cpu",
        "auto-onnx" => OrtEnv.Instance().GetAvailableProviders().Contains("CUDAExecutionProvider") ? "cuda" : "cpu",
        _ => device,
    };
}
