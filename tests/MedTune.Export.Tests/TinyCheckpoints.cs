using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using MedTune.Checkpoints;

namespace MedTune.Export.Tests;

/// <summary>Writes small random Hugging Face checkpoints (config.json + model.safetensors) for export tests.</summary>
public static class TinyCheckpoints
{
    public sealed record LlamaShape
    {
        public int Vocab { get; init; } = 64;
        public int Hidden { get; init; } = 32;
        public int Intermediate { get; init; } = 48;
        public int Layers { get; init; } = 2;
        public int Heads { get; init; } = 4;
        public int KeyValueHeads { get; init; } = 2;
        public bool Bias { get; init; }
        public bool Tied { get; init; }
        public JsonObject? RopeScaling { get; init; }
        public double RopeTheta { get; init; } = 10000;
    }

    public static void WriteLlama(string directory, int seed, LlamaShape shape)
    {
        var random = new Random(seed);
        int h = shape.Hidden, headDim = h / shape.Heads, kv = shape.KeyValueHeads * headDim, i = shape.Intermediate;
        var tensors = new List<NamedTensorData> { Matrix("model.embed_tokens.weight", shape.Vocab, h, random, 0.5f) };
        for (var layer = 0; layer < shape.Layers; layer++)
        {
            var p = $"model.layers.{layer}";
            tensors.Add(Norm($"{p}.input_layernorm.weight", h, random));
            tensors.Add(Matrix($"{p}.self_attn.q_proj.weight", h, h, random));
            tensors.Add(Matrix($"{p}.self_attn.k_proj.weight", kv, h, random));
            tensors.Add(Matrix($"{p}.self_attn.v_proj.weight", kv, h, random));
            tensors.Add(Matrix($"{p}.self_attn.o_proj.weight", h, h, random));
            if (shape.Bias)
            {
                tensors.Add(Vector($"{p}.self_attn.q_proj.bias", h, random));
                tensors.Add(Vector($"{p}.self_attn.k_proj.bias", kv, random));
                tensors.Add(Vector($"{p}.self_attn.v_proj.bias", kv, random));
                tensors.Add(Vector($"{p}.self_attn.o_proj.bias", h, random));
            }
            tensors.Add(Norm($"{p}.post_attention_layernorm.weight", h, random));
            tensors.Add(Matrix($"{p}.mlp.gate_proj.weight", i, h, random));
            tensors.Add(Matrix($"{p}.mlp.up_proj.weight", i, h, random));
            tensors.Add(Matrix($"{p}.mlp.down_proj.weight", h, i, random));
        }
        tensors.Add(Norm("model.norm.weight", h, random));
        if (!shape.Tied) tensors.Add(Matrix("lm_head.weight", shape.Vocab, h, random, 0.5f));
        var config = new JsonObject
        {
            ["architectures"] = new JsonArray("LlamaForCausalLM"),
            ["model_type"] = "llama",
            ["vocab_size"] = shape.Vocab,
            ["hidden_size"] = h,
            ["intermediate_size"] = i,
            ["num_hidden_layers"] = shape.Layers,
            ["num_attention_heads"] = shape.Heads,
            ["num_key_value_heads"] = shape.KeyValueHeads,
            ["max_position_embeddings"] = 256,
            ["rms_norm_eps"] = 1e-6,
            ["rope_theta"] = shape.RopeTheta,
            ["tie_word_embeddings"] = shape.Tied,
            ["attention_bias"] = shape.Bias,
            ["hidden_act"] = "silu",
            ["bos_token_id"] = 1,
            ["eos_token_id"] = 2,
            ["torch_dtype"] = "float32",
        };
        if (shape.RopeScaling is not null) config["rope_scaling"] = shape.RopeScaling;
        Save(directory, config, tensors);
    }

    public sealed record NeoXShape
    {
        public int Vocab { get; init; } = 64;
        public int Hidden { get; init; } = 32;
        public int Intermediate { get; init; } = 64;
        public int Layers { get; init; } = 2;
        public int Heads { get; init; } = 4;
        public double RotaryPct { get; init; } = 0.5;
        public bool ParallelResidual { get; init; } = true;
        public string HiddenAct { get; init; } = "gelu";
    }

    public static void WriteNeoX(string directory, int seed, NeoXShape shape)
    {
        var random = new Random(seed);
        int h = shape.Hidden, i = shape.Intermediate;
        var tensors = new List<NamedTensorData> { Matrix("gpt_neox.embed_in.weight", shape.Vocab, h, random, 0.5f) };
        for (var layer = 0; layer < shape.Layers; layer++)
        {
            var p = $"gpt_neox.layers.{layer}";
            tensors.Add(Norm($"{p}.input_layernorm.weight", h, random));
            tensors.Add(Vector($"{p}.input_layernorm.bias", h, random));
            tensors.Add(Norm($"{p}.post_attention_layernorm.weight", h, random));
            tensors.Add(Vector($"{p}.post_attention_layernorm.bias", h, random));
            tensors.Add(Matrix($"{p}.attention.query_key_value.weight", 3 * h, h, random));
            tensors.Add(Vector($"{p}.attention.query_key_value.bias", 3 * h, random));
            tensors.Add(Matrix($"{p}.attention.dense.weight", h, h, random));
            tensors.Add(Vector($"{p}.attention.dense.bias", h, random));
            tensors.Add(Matrix($"{p}.mlp.dense_h_to_4h.weight", i, h, random));
            tensors.Add(Vector($"{p}.mlp.dense_h_to_4h.bias", i, random));
            tensors.Add(Matrix($"{p}.mlp.dense_4h_to_h.weight", h, i, random));
            tensors.Add(Vector($"{p}.mlp.dense_4h_to_h.bias", h, random));
        }
        tensors.Add(Norm("gpt_neox.final_layer_norm.weight", h, random));
        tensors.Add(Vector("gpt_neox.final_layer_norm.bias", h, random));
        tensors.Add(Matrix("embed_out.weight", shape.Vocab, h, random, 0.5f));
        var config = new JsonObject
        {
            ["architectures"] = new JsonArray("GPTNeoXForCausalLM"),
            ["model_type"] = "gpt_neox",
            ["vocab_size"] = shape.Vocab,
            ["hidden_size"] = h,
            ["intermediate_size"] = i,
            ["num_hidden_layers"] = shape.Layers,
            ["num_attention_heads"] = shape.Heads,
            ["max_position_embeddings"] = 256,
            ["layer_norm_eps"] = 1e-5,
            ["rotary_pct"] = shape.RotaryPct,
            ["rotary_emb_base"] = 10000,
            ["use_parallel_residual"] = shape.ParallelResidual,
            ["hidden_act"] = shape.HiddenAct,
            ["tie_word_embeddings"] = false,
            ["bos_token_id"] = 0,
            ["eos_token_id"] = 0,
            ["torch_dtype"] = "float32",
        };
        Save(directory, config, tensors);
    }

    private static void Save(string directory, JsonObject config, List<NamedTensorData> tensors)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "config.json"), config.ToJsonString());
        SafetensorsWriter.Write(Path.Combine(directory, CheckpointWeights.SingleFileName), tensors);
    }

    private static NamedTensorData Matrix(string name, int rows, int columns, Random random, float scale = 0.3f) =>
        Floats(name, [rows, columns], random, () => (float)(random.NextDouble() * 2 - 1) * scale);

    private static NamedTensorData Vector(string name, int length, Random random) =>
        Floats(name, [length], random, () => (float)(random.NextDouble() * 2 - 1) * 0.1f);

    private static NamedTensorData Norm(string name, int length, Random random) =>
        Floats(name, [length], random, () => 1f + (float)(random.NextDouble() * 2 - 1) * 0.2f);

    private static NamedTensorData Floats(string name, long[] shape, Random random, Func<float> next)
    {
        var values = new float[shape.Aggregate(1L, (a, b) => a * b)];
        for (var k = 0; k < values.Length; k++) values[k] = next();
        return new NamedTensorData(name, TensorDType.F32, shape, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
    }
}
