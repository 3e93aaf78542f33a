using System.Text.Json;
using System.Text.Json.Nodes;

namespace MedTune.Training;

/// <summary>The fields of PEFT's <c>adapter_config.json</c> that medtune writes and reads (LoRA, causal LM).</summary>
public sealed partial record LoraAdapterConfig
{
    public const string FileName = "adapter_config.json";

    public required int R { get; init; }
    public required double LoraAlpha { get; init; }
    public double LoraDropout { get; init; }
    /// <summary>Projection names (last path component), sorted.</summary>
    public required IReadOnlyList<string> TargetModules { get; init; }
    public string? BaseModelNameOrPath { get; init; }
    public bool UseRslora { get; init; }

    public double Scale => LoraScaling.Scale(R, LoraAlpha, UseRslora);

    /// <summary>The JSON PEFT writes (keys sorted as <c>save_pretrained</c> does), for a LoRA adapter in inference mode.</summary>
    public string ToJson()
    {
        var json = new JsonObject
        {
            ["base_model_name_or_path"] = BaseModelNameOrPath,
            ["bias"] = "none",
            ["fan_in_fan_out"] = false,
            ["inference_mode"] = true,
            ["init_lora_weights"] = true,
            ["layers_pattern"] = null,
            ["layers_to_transform"] = null,
            ["lora_alpha"] = JsonNumber(LoraAlpha),
            ["lora_dropout"] = LoraDropout,
            ["modules_to_save"] = null,
            ["peft_type"] = "LORA",
            ["r"] = R,
            ["revision"] = null,
            ["target_modules"] = new JsonArray(TargetModules.Select(t => (JsonNode)JsonValue.Create(t)!).ToArray()),
            ["task_type"] = "CAUSAL_LM",
            ["use_rslora"] = UseRslora,
        };
        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    // lora_alpha is an int in PEFT configs; keep integral values integral so the file reads the same.
    private static JsonNode JsonNumber(double value) =>
        value == Math.Floor(value) && Math.Abs(value) < int.MaxValue ? JsonValue.Create((int)value) : JsonValue.Create(value);

    public static LoraAdapterConfig Read(string path)
    {
        if (!File.Exists(path))
            throw new LoraAdapterException($"{path}: not found. A PEFT adapter directory holds {FileName} and adapter_model.safetensors.");
        JsonObject json;
        try
        {
            json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new LoraAdapterException($"{path}: expected a JSON object.");
        }
        catch (JsonException e)
        {
            throw new LoraAdapterException($"{path}: not valid JSON (line {e.LineNumber + 1}): {e.Message}", e);
        }

        string? Text(string key) => json[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        var peftType = Text("peft_type");
        if (peftType != "LORA")
            throw new LoraAdapterException($"{path}: peft_type is '{peftType ?? "missing"}'; only LORA adapters are supported.");
        if (Text("task_type") is { } task && task != "CAUSAL_LM")
            throw new LoraAdapterException($"{path}: task_type is '{task}'; a CAUSAL_LM adapter is needed.");
        if (json["fan_in_fan_out"] is JsonValue f && f.GetValue<bool>())
            throw new LoraAdapterException($"{path}: fan_in_fan_out adapters (GPT-2 Conv1D) are not supported.");
        if (Text("bias") is { } bias && bias != "none")
            throw new LoraAdapterException($"{path}: bias '{bias}' is not supported (only 'none': bias terms are not adapted).");
        if (json["modules_to_save"] is JsonArray { Count: > 0 })
            throw new LoraAdapterException($"{path}: modules_to_save is set; adapters that also replace whole modules are not supported.");
        RefuseUnsupportedFields(json, path);

        var r = json["r"] is JsonValue rv ? rv.GetValue<int>() : throw new LoraAdapterException($"{path}: key 'r' is missing.");
        var alpha = json["lora_alpha"] is JsonValue av ? av.GetValue<double>() : throw new LoraAdapterException($"{path}: key 'lora_alpha' is missing.");
        var targets = json["target_modules"] switch
        {
            JsonArray array => array.Select(n => n!.GetValue<string>()).ToList(),
            JsonValue single => [single.GetValue<string>()],
            _ => new List<string>(),
        };
        return new LoraAdapterConfig
        {
            R = r,
            LoraAlpha = alpha,
            LoraDropout = json["lora_dropout"] is JsonValue d ? d.GetValue<double>() : 0,
            TargetModules = targets,
            BaseModelNameOrPath = Text("base_model_name_or_path"),
            UseRslora = json["use_rslora"] is JsonValue u && u.GetValue<bool>(),
        };
    }
}

public sealed partial record LoraAdapterConfig
{
    /// <summary>
    /// PEFT LoRA options that change what the weights mean, which medtune does not implement: refused by name, so an
    /// adapter is never applied differently from how PEFT applies it. Options that only select modules
    /// (layers_to_transform, layers_pattern, exclude_modules, target_modules as a regex) need no support: the tensors in
    /// adapter_model.safetensors name every adapted module. Initialisation options (init_lora_weights, loftq_config) do
    /// not matter once trained.
    /// </summary>
    private static readonly (string Key, string Why)[] UnsupportedFields =
    [
        ("rank_pattern", "per-module ranks (and with them per-module alpha/r scales)"),
        ("alpha_pattern", "per-module alphas (per-module scales)"),
        ("use_dora", "DoRA's magnitude vectors"),
        ("lora_bias", "trained LoRA bias terms"),
        ("layer_replication", "layers duplicated from the base"),
        ("trainable_token_indices", "retrained embedding rows"),
        ("target_parameters", "adapted parameters that are not linear layers"),
    ];

    private static void RefuseUnsupportedFields(JsonObject json, string path)
    {
        foreach (var (key, why) in UnsupportedFields)
        {
            var set = json[key] switch
            {
                null => false,
                JsonValue v when v.TryGetValue<bool>(out var b) => b,
                JsonObject o => o.Count > 0,
                JsonArray a => a.Count > 0,
                _ => true,
            };
            if (set)
                throw new LoraAdapterException(
                    $"{path}: '{key}' is set; medtune does not support {why}. Merge the adapter with PEFT (merge_and_unload) and use the merged checkpoint, or retrain without {key}.");
        }
    }
}

public sealed class LoraAdapterException(string message, Exception? inner = null) : Exception(message, inner);
