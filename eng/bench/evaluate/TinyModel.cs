using System.Globalization;
using MedTune.Checkpoints;
using MedTune.Checkpoints.Tokenization;
using MedTune.Export;
using MedTune.Models;

namespace MedTune.Bench.Evaluate;

/// <summary>
/// A seeded Llama-shaped checkpoint with the builtin Japanese tokenizer, and its ONNX export: the same weights
/// for the TorchSharp and ONNX Runtime generators. (Stands in for BuiltinModels until that lands.)
/// </summary>
public static class TinyModel
{
    public sealed record Shape(int Hidden = 64, int Layers = 2, int Heads = 4, int KeyValueHeads = 2, int Intermediate = 128);

    /// <summary>Writes <c>checkpoint/</c> (safetensors + tokenizer) and <c>onnx/</c> (model.onnx + tokenizer) under <paramref name="root"/>.</summary>
    public static (string Checkpoint, string Onnx) Create(string root, Shape shape, int seed)
    {
        var checkpoint = Path.Combine(root, "checkpoint");
        var tokenizerDirectory = Path.Combine(root, "tokenizer");
        int vocab = BuiltinTokenizers.Write(BuiltinTokenizers.Llama, tokenizerDirectory);
        var loaded = TextTokenizer.Load(tokenizerDirectory);
        var config = ModelConfig.Parse(string.Create(CultureInfo.InvariantCulture, $$"""
            {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": {{vocab}},
             "hidden_size": {{shape.Hidden}}, "intermediate_size": {{shape.Intermediate}}, "num_hidden_layers": {{shape.Layers}},
             "num_attention_heads": {{shape.Heads}}, "num_key_value_heads": {{shape.KeyValueHeads}}, "max_position_embeddings": 2048,
             "rms_norm_eps": 1e-6, "rope_theta": 10000.0, "tie_word_embeddings": false, "hidden_act": "silu",
             "bos_token_id": {{loaded.BosId ?? 1}}, "eos_token_id": {{loaded.EosIds[0]}}, "torch_dtype": "float32"}
            """), "tiny-llama config");
        using (var model = SeededWeights.Create(config, seed))
            CheckpointSaver.Save(model, checkpoint, tokenizerDirectory);
        var onnx = Path.Combine(root, "onnx");
        OnnxExporter.Export(checkpoint, onnx, new ExportOptions());
        return (checkpoint, onnx);
    }
}
