namespace MedTune.Manifest;

/// <summary>
/// The names researchers know from Hugging Face <c>TrainingArguments</c>, PEFT's <c>LoraConfig</c> and
/// <c>BitsAndBytesConfig</c>, mapped to medtune's keys, so that an unknown key written the HF way gets the right
/// suggestion (<c>lora_alpha</c> → <c>lora.alpha</c>) where edit distance alone would find nothing.
/// </summary>
public static class HuggingFaceNames
{
    public static readonly IReadOnlyDictionary<string, string> ToManifestKey = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        // peft.LoraConfig
        ["lora_alpha"] = "lora.alpha",
        ["lora_dropout"] = "lora.dropout",
        ["lora_r"] = "lora.r",
        ["rank"] = "lora.r",
        ["use_rslora"] = "lora.use_rslora",
        ["target_modules"] = "lora.target_modules",
        // transformers.TrainingArguments
        ["num_train_epochs"] = "train.epochs",
        ["per_device_train_batch_size"] = "train.batch_size",
        ["train_batch_size"] = "train.batch_size",
        ["per_device_eval_batch_size"] = "evaluate.batch_size",
        ["lr_scheduler_type"] = "train.scheduler",
        ["lr"] = "train.learning_rate",
        ["learning_rate"] = "train.learning_rate",
        ["warmup_steps"] = "train.warmup_steps",
        ["max_steps"] = "train.max_steps",
        ["gradient_accumulation_steps"] = "train.gradient_accumulation_steps",
        ["weight_decay"] = "train.weight_decay",
        ["max_grad_norm"] = "train.max_grad_norm",
        ["gradient_checkpointing"] = "train.gradient_checkpointing",
        ["save_steps"] = "train.checkpoint_every",
        ["logging_steps"] = "train.log_every",
        ["max_seq_length"] = "train.max_seq_length",
        ["cutoff_len"] = "train.max_seq_length",
        ["model_max_length"] = "train.max_seq_length",
        ["seed"] = "seed",
        ["model_name_or_path"] = "model.base",
        ["base_model"] = "model.base",
        ["torch_dtype"] = "model.dtype",
        ["data_path"] = "datasets.train[].path",
        // transformers.BitsAndBytesConfig
        ["load_in_4bit"] = "model.quantization.type",
        ["bnb_4bit_quant_type"] = "model.quantization.type",
        ["bnb_4bit_use_double_quant"] = "model.quantization.double_quant",
        ["bnb_4bit_compute_dtype"] = "model.quantization.compute_dtype",
        // generation
        ["max_new_tokens"] = "evaluate.decoding.max_new_tokens",
        ["do_sample"] = "evaluate.decoding.strategy",
    };

    /// <summary>The hint for <paramref name="name"/> written in section <paramref name="sectionPath"/>; null when it is not an HF name.</summary>
    public static string? Hint(string name, string sectionPath)
    {
        if (!ToManifestKey.TryGetValue(name, out var key)) return null;
        var here = sectionPath.Length == 0 ? "" : sectionPath + ".";
        if (key.StartsWith(here, StringComparison.Ordinal) && !key[here.Length..].Contains('.') && here.Length > 0)
            return $"'{name}' is the Hugging Face/PEFT name; here it is '{key[here.Length..]}' ({key})";
        return $"'{name}' is the Hugging Face/PEFT name; medtune's key is {key}";
    }
}
