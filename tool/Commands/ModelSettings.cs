using System.ComponentModel;
using MedTune.Tool.Generation;
using Spectre.Console.Cli;

namespace MedTune.Tool.Commands;

/// <summary>Options of <c>generate</c> and <c>chat</c>: which model, which template, how to decode.</summary>
public class ModelSettings : CommandSettings
{
    [CommandArgument(0, "[MANIFEST]")]
    [Description("Experiment manifest whose model to use (with --model base|tuned); or give --model-dir instead.")]
    public string? Manifest { get; init; }

    [CommandOption("--model <LABEL>")]
    [Description("The experiment's model: base or tuned (default: tuned when the experiment tunes one).")]
    public string? Label { get; init; }

    [CommandOption("--model-dir <DIR>")]
    [Description("An exported model (model.onnx + tokenizer, run by ONNX Runtime) or a Hugging Face checkpoint (run by TorchSharp).")]
    public string? ModelDirectory { get; init; }

    [CommandOption("--adapter <DIR>")]
    [Description("A PEFT LoRA adapter (adapter_config.json + adapter_model.safetensors) applied to the --model-dir checkpoint.")]
    public string? Adapter { get; init; }

    [CommandOption("--template <NAME>")]
    [Description("Prompt template: alpaca_ja, alpaca_en or none (default: the experiment's training template, else alpaca_ja).")]
    public string? Template { get; init; }

    [CommandOption("--max-new-tokens <N>")]
    [Description("Most tokens per answer (default 128).")]
    public int MaxNewTokens { get; init; } = 128;

    [CommandOption("--temperature <T>")]
    [Description("0 (default) decodes greedily; above 0 samples, seeded by --seed.")]
    public double Temperature { get; init; }

    [CommandOption("--top-p <P>")]
    [Description("Nucleus sampling mass (default 1).")]
    public double TopP { get; init; } = 1.0;

    [CommandOption("--seed <N>")]
    [Description("Sampling seed (default: the experiment's seed, else 0).")]
    public int? Seed { get; init; }

    [CommandOption("--device <DEVICE>")]
    [Description("ONNX Runtime device: auto, cpu or cuda (default auto).")]
    public string Device { get; init; } = "auto";

    [CommandOption("--cache <DIR>")]
    [Description("Stage cache directory (as for run).")]
    public string? Cache { get; init; }

    public ModelOptions ToModelOptions() => new(Manifest, Label, ModelDirectory, Adapter, Template, Cache, Device);

    public MedTune.Inference.DecodingOptions Decoding(ChatModel model) => new()
    {
        MaxNewTokens = MaxNewTokens,
        Temperature = Temperature,
        TopP = TopP,
        Seed = Seed ?? model.DefaultSeed,
        StopStrings = model.StopStrings,
        BatchSize = 1,
    };

    public override Spectre.Console.ValidationResult Validate()
    {
        if (MaxNewTokens < 1) return Spectre.Console.ValidationResult.Error("--max-new-tokens must be at least 1.");
        if (Temperature < 0) return Spectre.Console.ValidationResult.Error("--temperature must be 0 (greedy) or more.");
        if (!(TopP > 0 && TopP <= 1)) return Spectre.Console.ValidationResult.Error("--top-p must be in (0, 1].");
        if (Label is not null && Label is not ("base" or "tuned")) return Spectre.Console.ValidationResult.Error($"--model must be base or tuned (got '{Label}').");
        return Spectre.Console.ValidationResult.Success();
    }
}
