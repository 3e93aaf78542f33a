using System.Diagnostics;
using MedTune.Checkpoints;
using MedTune.Models;
using TorchSharp;
using static TorchSharp.torch;

// Loads a generated 1B-class Llama checkpoint (TinyLlama-1.1B's shape, bf16 on disk) and reports load time,
// peak resident memory and forward throughput on this machine. Usage:
//   dotnet run --project eng/bench/models -c Release [-- --keep DIR]
// The measurement runs in a child process so that generating the checkpoint does not count towards its peak memory.

if (args is ["measure", var measureDirectory])
{
    Measure(measureDirectory);
    return;
}

var keep = args is ["--keep", var kept] ? kept : null;
var directory = keep ?? Path.Combine(Path.GetTempPath(), $"medtune-bench-llama-1b-{Guid.NewGuid():N}");
try
{
    if (!File.Exists(Path.Combine(directory, "model.safetensors")))
    {
        var generation = Stopwatch.StartNew();
        var config = ModelConfig.Parse(ConfigJson, "bench config");
        using (var model = SeededWeights.Create(config, seed: 1))
            CheckpointSaver.Save(model, directory, tokenizerSourceDirectory: null);
        Console.WriteLine($"generated {directory} in {generation.Elapsed.TotalSeconds:F1} s " +
                          $"({new FileInfo(Path.Combine(directory, "model.safetensors")).Length / 1e9:F2} GB bf16)");
    }
    var self = typeof(Program).Assembly.Location;
    var start = Environment.ProcessPath!.EndsWith("dotnet", StringComparison.Ordinal)
        ? new ProcessStartInfo(Environment.ProcessPath, [self, "measure", directory])
        : new ProcessStartInfo(Environment.ProcessPath, ["measure", directory]);
    using var child = Process.Start(start)!;
    child.WaitForExit();
    Environment.ExitCode = child.ExitCode;
}
finally
{
    if (keep is null && Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
}

static void Measure(string directory)
{
    torch.set_num_threads(Environment.ProcessorCount);
    var load = Stopwatch.StartNew();
    var cpuBefore = CpuSeconds();
    using var model = ModelLoader.Load(directory);
    load.Stop();
    var parameters = model.parameters().Sum(p => p.numel());
    Console.WriteLine($"parameters: {parameters / 1e9:F3} B ({model.Config.NumLayers} layers, hidden {model.Config.HiddenSize}, vocab {model.Config.VocabSize}), float32 in memory");
    Console.WriteLine($"load: {load.Elapsed.TotalSeconds:F1} s wall, {CpuSeconds() - cpuBefore:F1} s CPU, peak RSS after load {PeakRssGb():F2} GB (model {parameters * 4 / 1e9:F2} GB)");

    using var noGrad = no_grad();
    const int promptLength = 128, decodeSteps = 16;
    var prompt = tensor(Enumerable.Range(0, promptLength).Select(i => (long)(i * 37 % model.Config.VocabSize)).ToArray(), [1, promptLength]);
    using (model.Forward(prompt.narrow(1, 0, 8))) { } // warm-up

    using var cache = model.CreateCache();
    var prefill = Stopwatch.StartNew();
    var prefillCpu = CpuSeconds();
    using var logits = model.Forward(prompt, cache: cache);
    prefill.Stop();
    prefillCpu = CpuSeconds() - prefillCpu;
    var next = logits[0, -1].argmax().reshape(1, 1);
    var decode = Stopwatch.StartNew();
    var decodeCpu = CpuSeconds();
    for (var i = 0; i < decodeSteps; i++)
    {
        using var scope = NewDisposeScope();
        var stepLogits = model.Forward(next, cache: cache);
        next = stepLogits[0, -1].argmax().reshape(1, 1).MoveToOuterDisposeScope();
    }
    decode.Stop();
    Console.WriteLine($"prefill: {promptLength} tokens in {prefill.Elapsed.TotalSeconds:F2} s = {promptLength / prefill.Elapsed.TotalSeconds:F1} tokens/s (batch 1, {Environment.ProcessorCount} threads, {prefillCpu:F1} s CPU)");
    Console.WriteLine($"decode with KV cache: {decodeSteps / decode.Elapsed.TotalSeconds:F2} tokens/s ({(CpuSeconds() - decodeCpu) / decodeSteps:F2} s CPU per token)");
    Console.WriteLine($"load average during the run: {File.ReadAllText("/proc/loadavg").Split(' ')[0]} (other processes share the cores)");
    Console.WriteLine($"peak RSS overall: {PeakRssGb():F2} GB");
}

static double CpuSeconds() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;

static double PeakRssGb()
{
    var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024 / 1e9;
}

partial class Program
{
    /// <summary>TinyLlama-1.1B's architecture: 22 layers, hidden 2048, GQA 32/4 heads, vocab 32000; bf16 on disk.</summary>
    private const string ConfigJson = """
        {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 32000, "hidden_size": 2048,
         "intermediate_size": 5632, "num_hidden_layers": 22, "num_attention_heads": 32, "num_key_value_heads": 4,
         "max_position_embeddings": 2048, "rope_theta": 10000.0, "rms_norm_eps": 1e-5, "hidden_act": "silu",
         "tie_word_embeddings": false, "bos_token_id": 1, "eos_token_id": 2, "torch_dtype": "bfloat16"}
        """;
}
