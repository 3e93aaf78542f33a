using System.Text.Json;
using System.Text.Json.Nodes;

namespace MedTune.Checkpoints;

/// <summary>Maps a <c>config.json</c> object onto <see cref="ModelConfig"/>, naming the key of anything it cannot use.</summary>
internal sealed class ModelConfigReader(JsonObject json, string source)
{
    private static readonly string[] LlamaModelTypes = ["llama", "mistral"];

    public ModelConfig Read()
    {
        var family = ReadFamily();
        return family == ModelFamily.Llama ? ReadLlama() : ReadNeoX();
    }

    private ModelFamily ReadFamily()
    {
        var modelType = OptionalString("model_type");
        var architecture = json["architectures"] switch
        {
            null => null,
            JsonArray { Count: 0 } => null,
            JsonArray array when array[0] is JsonValue first && first.GetValueKind() == JsonValueKind.String => first.GetValue<string>(),
            _ => throw Error("architectures", "must be a list of class names such as [\"LlamaForCausalLM\"]."),
        };
        var llamaType = modelType is not null && LlamaModelTypes.Contains(modelType);
        var llamaClass = architecture is "LlamaForCausalLM" or "MistralForCausalLM";
        if (modelType is not null && architecture is not null && (llamaType || modelType == "gpt_neox") != (llamaClass || architecture == "GPTNeoXForCausalLM")
            || (llamaType && architecture == "GPTNeoXForCausalLM") || (modelType == "gpt_neox" && llamaClass))
            throw Error("model_type", $"'{modelType}' does not match architectures [\"{architecture}\"]; the config.json is inconsistent (edited by hand, or from another model?).");
        if (llamaType || llamaClass)
            return ModelFamily.Llama;
        if (modelType == "gpt_neox" || architecture == "GPTNeoXForCausalLM")
            return ModelFamily.GptNeoX;
        var key = architecture is not null ? "architectures" : "model_type";
        throw Error(key, $"unsupported architecture '{architecture ?? modelType ?? "(none)"}'. medtune supports Llama-family (model_type llama/mistral, LlamaForCausalLM) and GPT-NeoX (gpt_neox, GPTNeoXForCausalLM) decoders.");
    }

    private ModelConfig ReadLlama()
    {
        var hidden = RequiredInt("hidden_size");
        var heads = RequiredInt("num_attention_heads");
        var headDim = OptionalInt("head_dim") ?? hidden / heads;
        if (OptionalInt("head_dim") is null && hidden % heads != 0)
            throw Error("num_attention_heads", $"hidden_size {hidden} is not divisible by num_attention_heads {heads}.");
        var kvHeads = OptionalInt("num_key_value_heads") ?? heads;
        if (kvHeads <= 0 || heads % kvHeads != 0)
            throw Error("num_key_value_heads", $"{kvHeads} does not divide num_attention_heads {heads}.");
        var act = OptionalString("hidden_act") ?? "silu";
        if (act != "silu")
            throw Error("hidden_act", $"'{act}' is not supported for Llama; medtune implements the SwiGLU MLP (silu).");
        return new ModelConfig
        {
            Family = ModelFamily.Llama,
            VocabSize = RequiredInt("vocab_size"),
            HiddenSize = hidden,
            IntermediateSize = RequiredInt("intermediate_size"),
            NumLayers = RequiredInt("num_hidden_layers"),
            NumAttentionHeads = heads,
            NumKeyValueHeads = kvHeads,
            HeadDim = headDim,
            MaxPositionEmbeddings = OptionalInt("max_position_embeddings") ?? 2048,
            RopeTheta = OptionalDouble("rope_theta") ?? 10000,
            RopeScaling = ReadRopeScaling(),
            RmsNormEps = OptionalDouble("rms_norm_eps") ?? 1e-6,
            TieWordEmbeddings = OptionalBool("tie_word_embeddings") ?? false,
            AttentionBias = OptionalBool("attention_bias") ?? false,
            MlpBias = OptionalBool("mlp_bias") ?? false,
            HiddenAct = act,
            RotaryPct = 1.0,
            BosTokenId = OptionalInt("bos_token_id"),
            EosTokenIds = ReadEosIds(),
            PadTokenId = OptionalInt("pad_token_id"),
            TorchDtype = ReadDtype(),
            Json = json,
        };
    }

    private ModelConfig ReadNeoX()
    {
        var hidden = RequiredInt("hidden_size");
        var heads = RequiredInt("num_attention_heads");
        if (hidden % heads != 0)
            throw Error("num_attention_heads", $"hidden_size {hidden} is not divisible by num_attention_heads {heads}.");
        var act = OptionalString("hidden_act") ?? "gelu";
        if (act is not ("gelu" or "gelu_new" or "gelu_fast" or "gelu_pytorch_tanh"))
            throw Error("hidden_act", $"'{act}' is not supported for GPT-NeoX (gelu, gelu_new, gelu_fast, gelu_pytorch_tanh are).");
        if (json["rope_scaling"] is JsonObject)
            throw Error("rope_scaling", "rope scaling is not supported for GPT-NeoX models.");
        var rotaryPct = OptionalDouble("rotary_pct") ?? 1.0;
        if (rotaryPct is <= 0 or > 1)
            throw Error("rotary_pct", $"{rotaryPct} is outside (0, 1].");
        var rotaryDim = (int)(hidden / heads * rotaryPct);
        if (rotaryDim == 0 || rotaryDim % 2 != 0)
            throw Error("rotary_pct", $"gives {rotaryDim} rotary dimensions per head (head_dim {hidden / heads} × {rotaryPct}); rotary embeddings need an even, non-zero count.");
        return new ModelConfig
        {
            Family = ModelFamily.GptNeoX,
            VocabSize = RequiredInt("vocab_size"),
            HiddenSize = hidden,
            IntermediateSize = RequiredInt("intermediate_size"),
            NumLayers = RequiredInt("num_hidden_layers"),
            NumAttentionHeads = heads,
            NumKeyValueHeads = heads,
            HeadDim = hidden / heads,
            MaxPositionEmbeddings = OptionalInt("max_position_embeddings") ?? 2048,
            RopeTheta = OptionalDouble("rotary_emb_base") ?? OptionalDouble("rope_theta") ?? 10000,
            LayerNormEps = OptionalDouble("layer_norm_eps") ?? 1e-5,
            TieWordEmbeddings = OptionalBool("tie_word_embeddings") ?? false,
            RotaryPct = rotaryPct,
            AttentionBias = OptionalBool("attention_bias") ?? true,
            UseParallelResidual = OptionalBool("use_parallel_residual") ?? true,
            HiddenAct = act,
            BosTokenId = OptionalInt("bos_token_id"),
            EosTokenIds = ReadEosIds(),
            PadTokenId = OptionalInt("pad_token_id"),
            TorchDtype = ReadDtype(),
            Json = json,
        };
    }

    private RopeScaling? ReadRopeScaling()
    {
        if (json["rope_scaling"] is not JsonObject scaling) return null;
        var type = (scaling["rope_type"] ?? scaling["type"]) is JsonValue t && t.GetValueKind() == JsonValueKind.String
            ? t.GetValue<string>()
            : throw Error("rope_scaling.rope_type", "is required (a string such as \"linear\" or \"llama3\").");
        double Number(string key, double? fallback)
        {
            if (scaling[key] is JsonValue v && v.GetValueKind() == JsonValueKind.Number) return v.GetValue<double>();
            if (scaling[key] is null && fallback is { } f) return f;
            throw Error($"rope_scaling.{key}", scaling[key] is null ? "is required." : "must be a number.");
        }
        var rope = type switch
        {
            "linear" => new RopeScaling("linear", Number("factor", null)),
            "llama3" => new RopeScaling("llama3", Number("factor", null),
                Number("low_freq_factor", 1), Number("high_freq_factor", 4),
                (int)Number("original_max_position_embeddings", 8192)),
            "default" => null,
            _ => throw Error("rope_scaling.rope_type", $"'{type}' is not supported (linear and llama3 are)."),
        };
        if (rope is { Factor: <= 0 })
            throw Error("rope_scaling.factor", "must be positive.");
        if (rope is { Type: "llama3" } && rope.HighFrequencyFactor <= rope.LowFrequencyFactor)
            throw Error("rope_scaling.high_freq_factor", "must exceed low_freq_factor.");
        return rope;
    }

    private IReadOnlyList<int> ReadEosIds() => json["eos_token_id"] switch
    {
        null => [],
        JsonArray array => array.Select(n => n is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<int>(out var id)
            ? id : throw Error("eos_token_id", "must be an integer or a list of integers.")).ToArray(),
        JsonValue value when value.GetValueKind() == JsonValueKind.Null => [],
        JsonValue value when value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<int>(out var id) => [id],
        _ => throw Error("eos_token_id", "must be an integer or a list of integers."),
    };

    private string ReadDtype()
    {
        var dtype = OptionalString("torch_dtype") ?? OptionalString("dtype") ?? "float32";
        return dtype is "float32" or "float16" or "bfloat16"
            ? dtype
            : throw Error("torch_dtype", $"'{dtype}' is not supported (float32, float16, bfloat16 are).");
    }

    private int RequiredInt(string key) =>
        OptionalInt(key) is { } value
            ? value > 0 ? value : throw Error(key, $"must be positive, not {value}.")
            : throw Error(key, "is required.");

    private int? OptionalInt(string key) => Read(key, n => n.GetValueKind() == JsonValueKind.Number ? n.GetValue<int>() : throw Error(key, "must be an integer."));

    private double? OptionalDouble(string key) => Read(key, n => n.GetValueKind() == JsonValueKind.Number ? n.GetValue<double>() : throw Error(key, "must be a number."));

    private bool? OptionalBool(string key) => Read(key, n => n.GetValueKind() switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw Error(key, "must be true or false."),
    });

    private string? OptionalString(string key) => json[key] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        var other => throw Error(key, $"must be a string, not {other.GetValueKind().ToString().ToLowerInvariant()} {other.ToJsonString()}."),
    };

    private T? Read<T>(string key, Func<JsonValue, T> convert) where T : struct
    {
        if (json[key] is null || json[key] is JsonValue { } nullValue && nullValue.GetValueKind() == JsonValueKind.Null) return null;
        if (json[key] is not JsonValue value) throw Error(key, $"must be a single value, not {json[key]!.ToJsonString()}.");
        try { return convert(value); }
        catch (Exception e) when (e is FormatException or InvalidOperationException or OverflowException)
        {
            throw Error(key, $"has an unusable value {value.ToJsonString()}.");
        }
    }

    private CheckpointException Error(string key, string problem) => new($"{source}: {key}: {problem}");
}
