using System.Globalization;
using MedTune.Evaluation;
using MedTune.Manifest;

namespace MedTune.Reporting;

/// <summary>
/// The settings a reader compares experiments by, as short text: for the report's training section and for
/// <c>medtune show</c>. Paths are reduced to their last component, so nothing machine-specific is shown (or hashed).
/// </summary>
public static class KeySettings
{
    /// <summary>What shaped the adapter: base model, quantization, LoRA, optimisation, sequence length, seed.</summary>
    public static IReadOnlyList<ReportSetting> Training(ExperimentManifest m) =>
    [
        new("base_model", BaseModel(m)),
        new("dtype", m.Model.Dtype),
        new("quantization", Quantization(m)),
        new("lora", $"r {m.Lora.R}, alpha {Number(m.Lora.Alpha)}, dropout {Number(m.Lora.Dropout)}{(m.Lora.UseRslora ? ", rsLoRA" : "")}"),
        new("target_modules", string.Join(", ", m.Lora.TargetModules)),
        new("learning_rate", Number(m.Train.LearningRate)),
        new("schedule", $"{m.Train.Scheduler}, {m.Train.WarmupSteps} warmup steps"),
        new("length", m.Train.MaxSteps is { } steps ? $"{steps} steps (max_steps)" : $"{m.Train.Epochs} epochs"),
        new("batch", $"{m.Train.BatchSize} × {m.Train.GradientAccumulationSteps} accumulation = {m.Train.BatchSize * m.Train.GradientAccumulationSteps} per step"),
        new("max_seq_length", m.Train.MaxSeqLength.ToString(CultureInfo.InvariantCulture)),
        new("weight_decay", Number(m.Train.WeightDecay)),
        new("max_grad_norm", Number(m.Train.MaxGradNorm)),
        new("train_on", m.Train.TrainOn),
        new("seed", m.Seed.ToString(CultureInfo.InvariantCulture)),
    ];

    /// <summary>The columns of <c>medtune show</c>, by name.</summary>
    public static IReadOnlyList<ReportSetting> Summary(ExperimentManifest m)
    {
        bool tuned = m.Evaluate.Models.Contains("tuned");
        return
        [
            new("base_model", BaseModel(m)),
            new("quantization", Quantization(m)),
            new("lora", tuned ? $"r{m.Lora.R}/α{Number(m.Lora.Alpha)}" : "–"),
            new("lr", tuned ? Number(m.Train.LearningRate) : "–"),
            new("epochs", !tuned ? "–" : m.Train.MaxSteps is { } steps ? $"{steps} steps" : m.Train.Epochs.ToString(CultureInfo.InvariantCulture)),
            new("shots", m.Evaluate.Shots.ToString(CultureInfo.InvariantCulture)),
            new("template", m.Evaluate.Template),
            new("train_data", tuned ? string.Join(", ", m.Datasets.Train.Select(DatasetName)) : "–"),
            new("eval_data", string.Join(", ", m.Datasets.Eval.Select(EvaluateStage.DatasetName))),
        ];
    }

    /// <summary><c>builtin:tiny-llama</c> as is; a directory by its name (<c>open-calm-7b</c>), never its absolute path.</summary>
    public static string BaseModel(ExperimentManifest m) =>
        m.Model.IsBuiltin ? m.Model.Base : Path.GetFileName(m.Model.Base.TrimEnd('/', '\\'));

    public static string Quantization(ExperimentManifest m) => m.Model.Quantization.IsQuantized
        ? $"{m.Model.Quantization.Type}{(m.Model.Quantization.DoubleQuant ? " (double quant)" : "")}"
        : "none";

    private static string DatasetName(DatasetSpec spec) =>
        !string.IsNullOrWhiteSpace(spec.Name) ? spec.Name : Path.GetFileNameWithoutExtension(spec.Path.TrimEnd('/', '\\'));

    private static string Number(double value) => value.ToString("G6", CultureInfo.InvariantCulture);
}
