using System.Diagnostics;
using MedTune.Models;
using MedTune.Models.Quantization;
using static TorchSharp.torch;

// Streaming-load benchmark: loads a Hugging Face checkpoint directory as bfloat16, float32 or NF4 (double quant) and
// prints wall time, CPU time, peak RSS (VmHWM) and the size of the loaded model. One load per process, so VmHWM is
// that load's peak. Usage:
//   dotnet run --project eng/bench/load -c Release -- DIR bfloat16|float32|nf4
if (args.Length != 2)
{
    Console.Error.WriteLine("usage: MedTune.Bench.Load DIR bfloat16|float32|nf4");
    Environment.Exit(2);
}
var (directory, mode) = (args[0], args[1]);
var before = Rss("VmRSS");
var clock = Stopwatch.StartNew();
var cpu = Process.GetCurrentProcess().TotalProcessorTime;
using var model = mode switch
{
    "bfloat16" => ModelLoader.Load(directory, dtype: ScalarType.BFloat16),
    "float32" => ModelLoader.Load(directory, dtype: ScalarType.Float32),
    "nf4" => ModelLoader.Load(directory, dtype: ScalarType.BFloat16,
        quantization: new QuantizationOptions(QuantizationType.Nf4, DoubleQuant: true, BlockSize: 64, ComputeDType: ScalarType.BFloat16)),
    _ => throw new ArgumentException($"unknown mode {mode}"),
};
clock.Stop();
var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
var dense = model.parameters().Sum(p => p.numel() * p.element_size());
var quantized = model.Linears().Where(l => l.Linear.IsQuantized).Sum(l => l.Linear.Quantized!.StorageBytes);
Console.WriteLine($"{mode}: load {clock.Elapsed.TotalSeconds:F1} s wall, {cpuSeconds:F1} s CPU; model in memory {(dense + quantized) / 1e9:F2} GB " +
                  $"(dense {dense / 1e9:F2} GB, 4-bit {quantized / 1e9:F2} GB); " +
                  $"RSS before load {before / 1e9:F2} GB, peak RSS {Rss("VmHWM") / 1e9:F2} GB; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");

/// <summary>A /proc/self/status memory field (kB) in bytes.</summary>
static double Rss(string field) =>
    double.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith(field + ":")).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
