// Peak memory of the streaming merge and export on a generated bf16 checkpoint of a real model's shape.
// Usage (one step per process, so that each peak RSS is its own; see README.md):
//   dotnet run -c Release --project eng/bench/merge-export -- generate DIR [shape=tinyllama-1.1b]
//   dotnet run -c Release --project eng/bench/merge-export -- merge DIR        (base DIR/base + adapter r 64 on all linears → DIR/merged)
//   dotnet run -c Release --project eng/bench/merge-export -- export DIR PRECISION   (DIR/merged → DIR/onnx-PRECISION)
// Each step prints its wall time and its own peak RSS (VmHWM).
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using MedTune.Checkpoints;
using MedTune.Export;
using MedTune.Models;
using MedTune.Training;

var step = args[0];
var root = args[1];
var watch = Stopwatch.StartNew();
switch (step)
{
    case "generate":
        Generate(root);
        break;
    case "merge":
        var result = StreamingLoraMerger.Merge(Path.Combine(root, "base"), Path.Combine(root, "adapter"), Path.Combine(root, "merged"),
            new StreamingMergeOptions { TrainingDType = TorchSharp.torch.ScalarType.BFloat16 });
        Console.WriteLine($"merged {result.MergedProjections} projections into {result.WeightFiles.Count} files ({result.WeightBytes / 1e9:0.00} GB)");
        break;
    case "export":
        var precision = ExportOptions.ParsePrecision(args[2]);
        var exported = OnnxExporter.Export(Path.Combine(root, "merged"), Path.Combine(root, "onnx-" + args[2]), new ExportOptions { Precision = precision, Opset = 21 });
        Console.WriteLine($"exported {args[2]}: model.onnx {exported.ModelBytes / 1e6:0.0} MB + data {exported.ExternalDataBytes / 1e9:0.00} GB");
        break;
}
Console.WriteLine($"{step}: {watch.Elapsed.TotalSeconds:0.0} s, peak RSS {PeakRssMb():0} MB");

static double PeakRssMb()
{
    var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:"));
    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
}

// TinyLlama-1.1B's shape (22 layers, hidden 2048, GQA 32/4, SwiGLU 5632, vocab 32000), bf16, sharded at 1 GB; values are
// small deterministic pseudo-random bf16 numbers, written tensor by tensor. Plus a PEFT adapter r 64 on every linear layer.
static void Generate(string root)
{
    var config = ModelConfig.Parse("""
        { "architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 32000, "hidden_size": 2048,
          "intermediate_size": 5632, "num_hidden_layers": 22, "num_attention_heads": 32, "num_key_value_heads": 4,
          "max_position_embeddings": 2048, "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "tie_word_embeddings": false,
          "hidden_act": "silu", "bos_token_id": 1, "eos_token_id": 2, "torch_dtype": "bfloat16" }
        """, "bench config");
    var baseDirectory = Path.Combine(root, "base");
    Directory.CreateDirectory(baseDirectory);
    File.WriteAllText(Path.Combine(baseDirectory, "config.json"), config.ToJson());
    var layout = ParameterLayout.For(config);
    ShardedSafetensorsWriter.Write(baseDirectory,
        layout.Select((p, i) => new TensorSource(p.Name, TensorDType.BF16, p.Shape, s => WriteRandomBf16(s, p.ElementCount, i, p.Shape.Length == 1 ? 1f : 0f))).ToList(),
        1_000_000_000);

    const int r = 64;
    var adapter = Path.Combine(root, "adapter");
    var linears = layout.Where(p => p.Shape.Length == 2 && p.Name.Contains(".layers.")).ToList();
    var sources = new List<TensorSource>();
    for (var i = 0; i < linears.Count; i++)
    {
        var module = linears[i].Name[..^".weight".Length];
        var (o, n) = (linears[i].Shape[0], linears[i].Shape[1]);
        var seed = 1000 + i;
        sources.Add(new TensorSource(PeftNames.LoraA(module), TensorDType.F32, [r, n], s => WriteRandomF32(s, r * n, seed)));
        sources.Add(new TensorSource(PeftNames.LoraB(module), TensorDType.F32, [o, r], s => WriteRandomF32(s, o * r, seed + 500)));
    }
    SafetensorsWriter.Write(Path.Combine(adapter, LoraAdapter.WeightsFileName), sources, new Dictionary<string, string> { ["format"] = "pt" });
    File.WriteAllText(Path.Combine(adapter, LoraAdapterConfig.FileName), new LoraAdapterConfig
    {
        R = r, LoraAlpha = 16, TargetModules = ["down_proj", "gate_proj", "k_proj", "o_proj", "q_proj", "up_proj", "v_proj"],
    }.ToJson());
}

static void WriteRandomBf16(Stream stream, long count, int seed, float offset)
{
    var random = new Random(seed);
    var buffer = new ushort[1 << 20];
    for (long done = 0; done < count; done += buffer.Length)
    {
        var n = (int)Math.Min(buffer.Length, count - done);
        for (var i = 0; i < n; i++) buffer[i] = TensorConversions.ToBFloat16(offset + (float)(random.NextDouble() - 0.5) * 0.04f);
        stream.Write(MemoryMarshal.AsBytes(buffer.AsSpan(0, n)));
    }
}

static void WriteRandomF32(Stream stream, long count, int seed)
{
    var random = new Random(seed);
    var buffer = new float[1 << 18];
    for (long done = 0; done < count; done += buffer.Length)
    {
        var n = (int)Math.Min(buffer.Length, count - done);
        for (var i = 0; i < n; i++) buffer[i] = (float)(random.NextDouble() - 0.5) * 0.02f;
        stream.Write(MemoryMarshal.AsBytes(buffer.AsSpan(0, n)));
    }
}
