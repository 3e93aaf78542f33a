using System.Globalization;
using System.Runtime.InteropServices;
using MedTune.Checkpoints;
using MedTune.Checkpoints.Tokenization;
using MedTune.Export;

namespace MedTune.Evaluation.Tests;

/// <summary>Exports a seeded random tiny Llama with the builtin Japanese tokenizer to ONNX (no TorchSharp needed).</summary>
internal static class TinyOnnxModel
{
    public static string Export(string root, int seed)
    {
        var checkpoint = Path.Combine(root, "checkpoint");
        int vocab = BuiltinTokenizers.Write(BuiltinTokenizers.Llama, checkpoint);
        var tokenizer = TextTokenizer.Load(checkpoint);
        const int hidden = 32, intermediate = 64, layers = 2, heads = 4, kvHeads = 2, headDim = hidden / heads;
        var random = new Random(seed);
        var tensors = new List<NamedTensorData> { Floats("model.embed_tokens.weight", [vocab, hidden], random, 0.5f) };
        for (int layer = 0; layer < layers; layer++)
        {
            var p = $"model.layers.{layer}";
            tensors.Add(Ones($"{p}.input_layernorm.weight", hidden));
            tensors.Add(Floats($"{p}.self_attn.q_proj.weight", [hidden, hidden], random));
            tensors.Add(Floats($"{p}.self_attn.k_proj.weight", [kvHeads * headDim, hidden], random));
            tensors.Add(Floats($"{p}.self_attn.v_proj.weight", [kvHeads * headDim, hidden], random));
            tensors.Add(Floats($"{p}.self_attn.o_proj.weight", [hidden, hidden], random));
            tensors.Add(Ones($"{p}.post_attention_layernorm.weight", hidden));
            tensors.Add(Floats($"{p}.mlp.gate_proj.weight", [intermediate, hidden], random));
            tensors.Add(Floats($"{p}.mlp.up_proj.weight", [intermediate, hidden], random));
            tensors.Add(Floats($"{p}.mlp.down_proj.weight", [hidden, intermediate], random));
        }
        tensors.Add(Ones("model.norm.weight", hidden));
        tensors.Add(Floats("lm_head.weight", [vocab, hidden], random, 0.5f));
        File.WriteAllText(Path.Combine(checkpoint, "config.json"), string.Create(CultureInfo.InvariantCulture, $$"""
            {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": {{vocab}}, "hidden_size": {{hidden}},
             "intermediate_size": {{intermediate}}, "num_hidden_layers": {{layers}}, "num_attention_heads": {{heads}},
             "num_key_value_heads": {{kvHeads}}, "max_position_embeddings": 2048, "rms_norm_eps": 1e-6, "rope_theta": 10000.0,
             "tie_word_embeddings": false, "hidden_act": "silu", "bos_token_id": {{tokenizer.BosId ?? 1}},
             "eos_token_id": {{tokenizer.EosIds[0]}}, "torch_dtype": "float32"}
            """));
        SafetensorsWriter.Write(Path.Combine(checkpoint, CheckpointWeights.SingleFileName), tensors);
        var onnx = Path.Combine(root, "onnx");
        OnnxExporter.Export(checkpoint, onnx, new ExportOptions());
        return onnx;
    }

    private static NamedTensorData Ones(string name, int length) =>
        new(name, TensorDType.F32, [length], MemoryMarshal.AsBytes(Enumerable.Repeat(1f, length).ToArray().AsSpan()).ToArray());

    private static NamedTensorData Floats(string name, long[] shape, Random random, float scale = 0.3f)
    {
        var values = new float[shape.Aggregate(1L, (a, b) => a * b)];
        for (int k = 0; k < values.Length; k++) values[k] = (float)(random.NextDouble() * 2 - 1) * scale;
        return new NamedTensorData(name, TensorDType.F32, shape, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
    }
}
