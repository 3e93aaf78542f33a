// Prompt and decode throughput of ONNX Runtime (exported graph) vs TorchSharp on one seeded ~125M Llama.
// Usage: dotnet run -c Release --project eng/bench/export -- [threads=2] [batch=1] [prompt=128] [decode=32] [variants=fp32,int4,fp32-fused]
// A variant is an export precision (fp32, fp16, int4), optionally with "-fused" for the opset-23 fused graph.
using System.Diagnostics;
using MedTune.Checkpoints;
using MedTune.Export;
using MedTune.Inference;
using MedTune.Models;

var threads = args.Length > 0 ? int.Parse(args[0]) : 2;
var batch = args.Length > 1 ? int.Parse(args[1]) : 1;
var promptLength = args.Length > 2 ? int.Parse(args[2]) : 128;
var decodeSteps = args.Length > 3 ? int.Parse(args[3]) : 32;
var variants = (args.Length > 4 ? args[4] : "fp32,int4,fp32-fused").Split(',');

// Llama shape with ~125M parameters: 12 layers, hidden 768, 12 query / 4 key-value heads, SwiGLU 2048, vocab 32000.
var configJson = """
{ "architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 32000, "hidden_size": 768,
  "intermediate_size": 2048, "num_hidden_layers": 12, "num_attention_heads": 12, "num_key_value_heads": 4,
  "max_position_embeddings": 2048, "rms_norm_eps": 1e-6, "rope_theta": 10000.0, "tie_word_embeddings": false,
  "hidden_act": "silu", "bos_token_id": 1, "eos_token_id": 2, "torch_dtype": "float32" }
""";
var root = Path.Combine(Path.GetTempPath(), "medtune-export-bench-" + Guid.NewGuid().ToString("N")[..8]);
var checkpoint = Path.Combine(root, "checkpoint");
try
{
    TorchSharp.torch.set_num_threads(threads);
    var config = ModelConfig.Parse(configJson, "bench config");
    using (var seeded = SeededWeights.Create(config, seed: 1))
        CheckpointSaver.Save(seeded, checkpoint, tokenizerSourceDirectory: null);
    var parameters = new DirectoryInfo(checkpoint).GetFiles("*.safetensors").Sum(f => f.Length) / 4;
    Console.WriteLine($"model: Llama {parameters / 1e6:F0}M parameters; batch {batch}, prompt {promptLength} tokens, {decodeSteps} decode steps, {threads} threads");
    Console.WriteLine($"{"runtime",-22} {"prompt tok/s",14} {"decode tok/s",14}");

    using (var torchModel = new TorchDecoderModel(ModelLoader.Load(checkpoint)))
        Report("TorchSharp fp32", Measure(torchModel));
    foreach (var variant in variants)
    {
        var fused = variant.EndsWith("-fused", StringComparison.Ordinal);
        var precision = ExportOptions.ParsePrecision(fused ? variant[..^"-fused".Length] : variant);
        var exported = Path.Combine(root, "onnx-" + variant);
        var options = new ExportOptions { Precision = precision, FusedOperators = fused, Opset = fused ? 23 : 17 };
        var result = OnnxExporter.Export(checkpoint, exported, options);
        using var onnx = new OnnxDecoderModel(exported, "cpu", intraOpThreads: threads);
        Report($"ORT {variant} ({(result.ModelBytes + result.ExternalDataBytes) / 1e6:F0} MB)", Measure(onnx));
    }
}
finally
{
    Directory.Delete(root, recursive: true);
}

(double Prompt, double Decode) Measure(IDecoderModel model)
{
    var random = new Random(7);
    var tokens = Enumerable.Range(0, batch * promptLength).Select(_ => (long)random.Next(3, model.VocabSize)).ToArray();
    var positions = Enumerable.Range(0, batch * promptLength).Select(i => (long)(i % promptLength)).ToArray();
    Run(model, tokens, positions, 2); // warm-up: first-run allocations and kernel selection
    return Run(model, tokens, positions, decodeSteps);
}

(double Prompt, double Decode) Run(IDecoderModel model, long[] tokens, long[] positions, int steps)
{
    using var session = model.StartSession(batch);
    var mask = Enumerable.Repeat(1L, batch * promptLength).ToList();
    var clock = Stopwatch.StartNew();
    var logits = session.Forward(tokens, mask.ToArray(), positions, promptLength, allPositions: false);
    var promptSeconds = clock.Elapsed.TotalSeconds;
    clock.Restart();
    for (var step = 0; step < steps; step++)
    {
        var next = Enumerable.Range(0, batch).Select(b => ArgMax(logits.AsSpan(b * model.VocabSize, model.VocabSize))).ToArray();
        var total = promptLength + step + 1;
        var stepMask = Enumerable.Repeat(1L, batch * total).ToArray();
        var stepPositions = Enumerable.Repeat((long)(total - 1), batch).ToArray();
        logits = session.Forward(next, stepMask, stepPositions, 1, allPositions: false);
    }
    return (batch * promptLength / promptSeconds, batch * steps / clock.Elapsed.TotalSeconds);
}

static long ArgMax(ReadOnlySpan<float> values)
{
    var best = 0;
    for (var i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
    return best;
}

static void Report(string name, (double Prompt, double Decode) rate) =>
    Console.WriteLine($"{name,-22} {rate.Prompt,14:F1} {rate.Decode,14:F1}");
