using System.Diagnostics;
using MedTune.Bench.Scale;
using MedTune.Manifest;
using MedTune.Models;
using MedTune.Pipeline.Planning;
using MedTune.Tool;
using MedTune.Tool.Experiments;
using MedTune.Tool.Infrastructure;
using MedTune.Training;
using static TorchSharp.torch;

// Paper-scale benchmark (issue 9): for Llama-2-7B and OpenCALM-7B shapes, seeded-random bf16 sharded checkpoints go
// through NF4 load → 2 QLoRA steps → merge → int4 export → 8 greedy tokens through ONNX Runtime, each step in its own
// child process (so peak RSS is that step's), printed beside `medtune plan`'s estimate. See README.md.
//   dotnet run --project eng/bench/scale -c Release -- [--model llama2-7b|opencalm-7b] [--layers N] [--work DIR] [--keep]

// The children are medtune processes: the same native heap policy as tool/Program.cs.
if (args is ["child-load", var loadManifest]) { NativeHeap.ReturnLargeBlocksToSystem(); return ChildLoad(loadManifest); }
if (args is ["child-stage", var stageManifest, var cacheDir, var until]) { NativeHeap.ReturnLargeBlocksToSystem(); return await ChildStage(stageManifest, cacheDir, until); }

string? only = null, workRoot = null;
int? layers = null;
var keep = false;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--model": only = args[++i]; break;
        case "--layers": layers = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
        case "--work": workRoot = args[++i]; break;
        case "--keep": keep = true; break;
        default: Console.Error.WriteLine($"unknown option {args[i]}; use --model NAME, --layers N, --work DIR, --keep"); return 2;
    }
}
workRoot ??= Path.Combine(Path.GetTempPath(), $"medtune-bench-scale-{Guid.NewGuid():N}");
Console.WriteLine($"medtune scale bench: {Environment.ProcessorCount} cores, {ExperimentResources.HostMemoryBytes() / 1e9:F1} GB RAM, load {LoadAverage()}, layers {(layers?.ToString() ?? "as published")}, compute dtype {BenchManifest.ComputeDtype}");
var failed = false;
foreach (var model in only is null ? BenchModels.Names : [only])
{
    var directory = Path.Combine(workRoot, model);
    try
    {
        failed |= !RunModel(model, directory, layers);
    }
    finally
    {
        if (!keep && Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
    }
}
if (!keep && Directory.Exists(workRoot) && !Directory.EnumerateFileSystemEntries(workRoot).Any()) Directory.Delete(workRoot);
return failed ? 1 : 0;

static bool RunModel(string model, string directory, int? layers)
{
    Directory.CreateDirectory(directory);
    var checkpoint = Path.Combine(directory, "base");
    var generation = Stopwatch.StartNew();
    var bytes = RandomCheckpoint.Write(BenchModels.Config(model, layers), BenchModels.TokenizerFamily(model), checkpoint, seed: 1);
    Console.WriteLine($"\n{model}: generated {bytes / 1e9:F2} GB bf16 in {generation.Elapsed.TotalSeconds:F0} s ({checkpoint})");
    var manifest = BenchManifest.Write(directory, checkpoint);
    var plan = ExperimentResources.Estimate(ManifestLoader.Load(manifest));
    var cache = Path.Combine(directory, "cache");

    var steps = new (string Step, string[] ChildArgs, long Estimate)[]
    {
        ("NF4 load", ["child-load", manifest], plan.Find("train")!.Figures["load_peak"]),
        ("2 QLoRA steps", ["child-stage", manifest, cache, "train"], plan.Find("train")!.PeakBytes),
        ("merge", ["child-stage", manifest, cache, "merge"], plan.Find("merge")!.PeakBytes),
        ("int4 export", ["child-stage", manifest, cache, "export-tuned"], plan.Find("export-tuned")!.PeakBytes),
        ("8 greedy tokens (ORT)", ["child-stage", manifest, cache, "evaluate-tuned"], plan.Find("evaluate-tuned")!.PeakBytes),
    };
    Console.WriteLine($"{"step",-24} {"wall s",8} {"peak RSS",10} {"estimate",10} {"est/meas",9}  load");
    var ok = true;
    foreach (var (step, childArgs, estimate) in steps)
    {
        var load = LoadAverage();
        var (exitCode, seconds, peak, output) = RunChild(childArgs);
        if (exitCode != 0)
        {
            Console.WriteLine($"{step,-24} failed (exit {exitCode}):\n{output}");
            return false;
        }
        var ratio = (double)estimate / peak;
        ok &= Math.Abs(ratio - 1) <= 0.25;
        Console.WriteLine($"{step,-24} {seconds,8:F1} {peak / 1e9,8:F2} GB {estimate / 1e9,8:F2} GB {ratio,9:F2}  {load}");
    }
    return ok;
}

static (int ExitCode, double Seconds, long PeakRss, string Output) RunChild(string[] childArgs)
{
    var self = typeof(BenchModels).Assembly.Location;
    var start = Environment.ProcessPath!.EndsWith("dotnet", StringComparison.Ordinal)
        ? new ProcessStartInfo(Environment.ProcessPath, [self, .. childArgs])
        : new ProcessStartInfo(Environment.ProcessPath, childArgs);
    start.RedirectStandardOutput = true;
    start.RedirectStandardError = true;
    var clock = Stopwatch.StartNew();
    using var child = Process.Start(start)!;
    var stderr = child.StandardError.ReadToEndAsync();
    var stdout = child.StandardOutput.ReadToEnd();
    child.WaitForExit();
    var lines = stdout.Split('\n');
    var peak = lines.Where(l => l.StartsWith("peak_rss_bytes=", StringComparison.Ordinal)).Select(l => long.Parse(l["peak_rss_bytes=".Length..].Trim())).LastOrDefault();
    return (child.ExitCode, clock.Elapsed.TotalSeconds, peak, stdout + stderr.Result);
}

// A child process: the base loaded as the train stage loads it (4-bit NF4 projections, bf16 rest), nothing else.
static int ChildLoad(string manifestPath)
{
    var manifest = ManifestLoader.Load(manifestPath);
    using (var model = ModelLoader.Load(manifest.Model.ResolvedBasePath!, CPU, TrainingDevice.DType(manifest.Model.Dtype),
               ModelQuantization.Options(manifest.Model.Quantization)))
        Console.WriteLine($"loaded {model.parameters().Count()} parameter tensors");
    Console.WriteLine($"peak_rss_bytes={PeakRss()}");
    return 0;
}

// A child process: `medtune run --until STAGE` on the shared cache (earlier stages are cached by then).
static async Task<int> ChildStage(string manifestPath, string cacheDirectory, string until)
{
    var exitCode = await MedTuneApp.RunAsync(["run", manifestPath, "--cache", cacheDirectory, "--until", until, "--quiet", "--no-memory-check"]);
    Console.WriteLine($"peak_rss_bytes={PeakRss()}");
    return exitCode;
}

static long PeakRss()
{
    var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
    return long.Parse(line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
}

static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";
