using MedTune.Checkpoints;

namespace MedTune.Export.Gguf;

/// <summary>
/// Hugging Face checkpoint → llama.cpp tensors and hyper-parameters, as llama.cpp's convert_hf_to_gguf.py maps them:
/// Llama (<c>llama</c>: q/k rows permuted from HF's half-split rotary layout to ggml's interleaved one) and GPT-NeoX
/// (<c>gptneox</c>: the per-head fused query_key_value regrouped into [all q | all k | all v]).
/// Matrices take the requested type (f16 or q8_0); norms and biases stay float32, as llama.cpp's converter keeps them.
/// </summary>
public static class GgufModelMapping
{
    public static string Architecture(ModelFamily family) => family switch
    {
        ModelFamily.Llama => "llama",
        ModelFamily.GptNeoX => "gptneox",
        _ => throw new NotSupportedException($"model family {family} has no GGUF mapping (llama and gpt_neox do)."),
    };

    public static (List<GgufMetadata> Metadata, List<GgufTensor> Tensors) Map(ModelConfig config, CheckpointWeights weights, GgmlType matrixType)
    {
        if (config.RopeScaling is not null)
            throw new NotSupportedException("config.json: rope_scaling is not carried into GGUF by medtune yet; export this model to ONNX only (export.formats: [onnx]).");
        return config.Family switch
        {
            ModelFamily.Llama => MapLlama(config, weights, matrixType),
            ModelFamily.GptNeoX => MapNeoX(config, weights, matrixType),
            _ => throw new NotSupportedException($"model family {config.Family} has no GGUF mapping (llama and gpt_neox do)."),
        };
    }

    private static (List<GgufMetadata>, List<GgufTensor>) MapLlama(ModelConfig c, CheckpointWeights w, GgmlType type)
    {
        if (c.HiddenAct != "silu") throw new NotSupportedException($"config.json: Llama hidden_act '{c.HiddenAct}' has no llama.cpp equivalent (silu does).");
        const string A = "llama";
        var metadata = new List<GgufMetadata>
        {
            GgufMetadata.UInt32($"{A}.context_length", (uint)c.MaxPositionEmbeddings),
            GgufMetadata.UInt32($"{A}.embedding_length", (uint)c.HiddenSize),
            GgufMetadata.UInt32($"{A}.block_count", (uint)c.NumLayers),
            GgufMetadata.UInt32($"{A}.feed_forward_length", (uint)c.IntermediateSize),
            GgufMetadata.UInt32($"{A}.rope.dimension_count", (uint)c.HeadDim),
            GgufMetadata.Float32($"{A}.rope.freq_base", (float)c.RopeTheta),
            GgufMetadata.UInt32($"{A}.attention.head_count", (uint)c.NumAttentionHeads),
            GgufMetadata.UInt32($"{A}.attention.head_count_kv", (uint)c.NumKeyValueHeads),
            GgufMetadata.Float32($"{A}.attention.layer_norm_rms_epsilon", (float)c.RmsNormEps),
            GgufMetadata.UInt32($"{A}.attention.key_length", (uint)c.HeadDim),
            GgufMetadata.UInt32($"{A}.attention.value_length", (uint)c.HeadDim),
            GgufMetadata.UInt32($"{A}.vocab_size", (uint)c.VocabSize),
        };
        var t = new Tensors(w, type);
        t.Matrix("token_embd.weight", "model.embed_tokens.weight", c.VocabSize, c.HiddenSize);
        for (var i = 0; i < c.NumLayers; i++)
        {
            var p = $"model.layers.{i}";
            var b = $"blk.{i}";
            t.Vector($"{b}.attn_norm.weight", $"{p}.input_layernorm.weight", c.HiddenSize);
            t.Matrix($"{b}.attn_q.weight", $"{p}.self_attn.q_proj.weight", c.NumAttentionHeads * c.HeadDim, c.HiddenSize, v => PermuteRotary(v, c.NumAttentionHeads, c.HiddenSize));
            t.Matrix($"{b}.attn_k.weight", $"{p}.self_attn.k_proj.weight", c.NumKeyValueHeads * c.HeadDim, c.HiddenSize, v => PermuteRotary(v, c.NumKeyValueHeads, c.HiddenSize));
            t.Matrix($"{b}.attn_v.weight", $"{p}.self_attn.v_proj.weight", c.NumKeyValueHeads * c.HeadDim, c.HiddenSize);
            t.Matrix($"{b}.attn_output.weight", $"{p}.self_attn.o_proj.weight", c.HiddenSize, c.NumAttentionHeads * c.HeadDim);
            t.OptionalVector($"{b}.attn_q.bias", $"{p}.self_attn.q_proj.bias", c.NumAttentionHeads * c.HeadDim, v => PermuteRotary(v, c.NumAttentionHeads, 1));
            t.OptionalVector($"{b}.attn_k.bias", $"{p}.self_attn.k_proj.bias", c.NumKeyValueHeads * c.HeadDim, v => PermuteRotary(v, c.NumKeyValueHeads, 1));
            t.OptionalVector($"{b}.attn_v.bias", $"{p}.self_attn.v_proj.bias", c.NumKeyValueHeads * c.HeadDim);
            t.OptionalVector($"{b}.attn_output.bias", $"{p}.self_attn.o_proj.bias", c.HiddenSize);
            t.Vector($"{b}.ffn_norm.weight", $"{p}.post_attention_layernorm.weight", c.HiddenSize);
            t.Matrix($"{b}.ffn_gate.weight", $"{p}.mlp.gate_proj.weight", c.IntermediateSize, c.HiddenSize);
            t.Matrix($"{b}.ffn_up.weight", $"{p}.mlp.up_proj.weight", c.IntermediateSize, c.HiddenSize);
            t.Matrix($"{b}.ffn_down.weight", $"{p}.mlp.down_proj.weight", c.HiddenSize, c.IntermediateSize);
        }
        t.Vector("output_norm.weight", "model.norm.weight", c.HiddenSize);
        // Tied embeddings: llama.cpp reuses token_embd when output.weight is absent.
        if (w.Contains("lm_head.weight")) t.Matrix("output.weight", "lm_head.weight", c.VocabSize, c.HiddenSize);
        else if (!c.TieWordEmbeddings) throw new CheckpointException("checkpoint has no lm_head.weight and config.json does not tie word embeddings.");
        return (metadata, t.List);
    }

    private static (List<GgufMetadata>, List<GgufTensor>) MapNeoX(ModelConfig c, CheckpointWeights w, GgmlType type)
    {
        if (c.HiddenAct is not ("gelu" or "gelu_new" or "gelu_fast" or "gelu_pytorch_tanh"))
            throw new NotSupportedException($"config.json: GPT-NeoX hidden_act '{c.HiddenAct}' has no llama.cpp equivalent (the gelu variants do).");
        const string A = "gptneox";
        var metadata = new List<GgufMetadata>
        {
            GgufMetadata.UInt32($"{A}.context_length", (uint)c.MaxPositionEmbeddings),
            GgufMetadata.UInt32($"{A}.embedding_length", (uint)c.HiddenSize),
            GgufMetadata.UInt32($"{A}.block_count", (uint)c.NumLayers),
            GgufMetadata.UInt32($"{A}.feed_forward_length", (uint)c.IntermediateSize),
            GgufMetadata.UInt32($"{A}.rope.dimension_count", (uint)c.RotaryDim),
            GgufMetadata.Float32($"{A}.rope.freq_base", (float)c.RopeTheta),
            GgufMetadata.UInt32($"{A}.attention.head_count", (uint)c.NumAttentionHeads),
            GgufMetadata.Bool($"{A}.use_parallel_residual", c.UseParallelResidual),
            GgufMetadata.Float32($"{A}.attention.layer_norm_epsilon", (float)c.LayerNormEps),
        };
        int h = c.HiddenSize, size = c.NumAttentionHeads * c.HeadDim;
        var t = new Tensors(w, type);
        t.Matrix("token_embd.weight", "gpt_neox.embed_in.weight", c.VocabSize, h);
        for (var i = 0; i < c.NumLayers; i++)
        {
            var p = $"gpt_neox.layers.{i}";
            var b = $"blk.{i}";
            t.Vector($"{b}.attn_norm.weight", $"{p}.input_layernorm.weight", h);
            t.Vector($"{b}.attn_norm.bias", $"{p}.input_layernorm.bias", h);
            t.Matrix($"{b}.attn_qkv.weight", $"{p}.attention.query_key_value.weight", 3 * size, h, v => FusedQkv.RegroupPerHead(v, c.NumAttentionHeads, c.HeadDim, h));
            t.Vector($"{b}.attn_qkv.bias", $"{p}.attention.query_key_value.bias", 3 * size, v => FusedQkv.RegroupPerHead(v, c.NumAttentionHeads, c.HeadDim, 1));
            t.Matrix($"{b}.attn_output.weight", $"{p}.attention.dense.weight", h, size);
            t.Vector($"{b}.attn_output.bias", $"{p}.attention.dense.bias", h);
            t.Vector($"{b}.ffn_norm.weight", $"{p}.post_attention_layernorm.weight", h);
            t.Vector($"{b}.ffn_norm.bias", $"{p}.post_attention_layernorm.bias", h);
            t.Matrix($"{b}.ffn_up.weight", $"{p}.mlp.dense_h_to_4h.weight", c.IntermediateSize, h);
            t.Vector($"{b}.ffn_up.bias", $"{p}.mlp.dense_h_to_4h.bias", c.IntermediateSize);
            t.Matrix($"{b}.ffn_down.weight", $"{p}.mlp.dense_4h_to_h.weight", h, c.IntermediateSize);
            t.Vector($"{b}.ffn_down.bias", $"{p}.mlp.dense_4h_to_h.bias", h);
        }
        t.Vector("output_norm.weight", "gpt_neox.final_layer_norm.weight", h);
        t.Vector("output_norm.bias", "gpt_neox.final_layer_norm.bias", h);
        t.Matrix("output.weight", "embed_out.weight", c.VocabSize, h);
        return (metadata, t.List);
    }

    /// <summary>
    /// HF rotates the two halves of each head ([x0..x(d/2-1) | x(d/2)..]); ggml's llama rope rotates adjacent pairs.
    /// Row h·d + s·d/2 + i moves to h·d + 2i + s (the permute of convert_hf_to_gguf.py).
    /// </summary>
    public static float[] PermuteRotary(float[] rows, int heads, int rowLength)
    {
        var headDim = rows.Length / rowLength / heads;
        var half = headDim / 2;
        var result = new float[rows.Length];
        for (var head = 0; head < heads; head++)
            for (var s = 0; s < 2; s++)
                for (var i = 0; i < half; i++)
                    Array.Copy(rows, (long)(head * headDim + s * half + i) * rowLength, result, (long)(head * headDim + 2 * i + s) * rowLength, rowLength);
        return result;
    }

    /// <summary>Collects tensors, checking each checkpoint shape against config.json before anything is written.</summary>
    private sealed class Tensors(CheckpointWeights weights, GgmlType matrixType)
    {
        public List<GgufTensor> List { get; } = [];

        public void Matrix(string name, string source, int rows, int columns, Func<float[], float[]>? transform = null)
        {
            Check(source, [rows, columns]);
            // Rows that do not fill whole q8_0 blocks stay f16, as llama.cpp's quantiser falls back too.
            var type = GgmlTypes.Fits(matrixType, columns) ? matrixType : GgmlType.F16;
            List.Add(new GgufTensor(name, [columns, rows], type, () => Read(source, transform)));
        }

        public void Vector(string name, string source, int length, Func<float[], float[]>? transform = null)
        {
            Check(source, [length]);
            List.Add(new GgufTensor(name, [length], GgmlType.F32, () => Read(source, transform)));
        }

        public void OptionalVector(string name, string source, int length, Func<float[], float[]>? transform = null)
        {
            if (weights.Contains(source)) Vector(name, source, length, transform);
        }

        private float[] Read(string source, Func<float[], float[]>? transform)
        {
            var values = weights.ReadFloat32(source);
            return transform is null ? values : transform(values);
        }

        private void Check(string source, long[] expected)
        {
            if (!weights.Contains(source)) throw new CheckpointException($"checkpoint tensor '{source}' is missing; it is needed for the GGUF export.");
            var shape = weights.Info(source).Shape;
            if (!shape.SequenceEqual(expected))
                throw new CheckpointException($"checkpoint tensor '{source}' has shape [{string.Join(", ", shape)}], config.json implies [{string.Join(", ", expected)}].");
        }
    }
}
