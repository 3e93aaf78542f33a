using System.Diagnostics;
using System.Globalization;
using MedTune.Checkpoints;
using MedTune.Manifest;
using MedTune.Models;
using MedTune.Models.Quantization;
using MedTune.Pipeline;
using MedTune.Training;
using static TorchSharp.torch;
using Bench = MedTune.Bench.Training.BenchConfig;

// Usage: MedTune.Bench.Training <warmup steps> <measured steps> <threads> [fp32|bf16|nf4|nf4-fp32]
// Trains LoRA (r 8 on q/v) on a ~134M-parameter Llama shape with random tokens and prints one result line.
// bf16: base weights in bfloat16 (LoRA, loss and optimizer state float32); nf4: QLoRA, projections in 4-bit NF4 with
// double quantization and bfloat16 compute, everything else bfloat16; nf4-fp32: the same with float32 compute (what a
// CPU without native bfloat16 matmuls, such as AVX2, should use).
var warmup = int.Parse(args.ElementAtOrDefault(0) ?? "1", CultureInfo.InvariantCulture);
var measured = int.Parse(args.ElementAtOrDefault(1) ?? "3", CultureInfo.InvariantCulture);
var threads = int.Parse(args.ElementAtOrDefault(2) ?? Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
var precision = args.ElementAtOrDefault(3) ?? "fp32";
set_num_threads(threads);

var config = ModelConfig.Parse($$"""
    {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": {{Bench.Vocab}}, "hidden_size": {{Bench.Hidden}},
     "intermediate_size": {{Bench.Intermediate}}, "num_hidden_layers": {{Bench.Layers}}, "num_attention_heads": {{Bench.Heads}},
     "num_key_value_heads": {{Bench.Heads}}, "max_position_embeddings": 2048, "rms_norm_eps": 1e-6, "hidden_act": "silu",
     "tie_word_embeddings": false, "bos_token_id": 1, "eos_token_id": 2, "torch_dtype": "float32"}
    """, "benchmark config");
// The same seeded weights in every precision: bf16 and nf4 start from the float32 values rounded to bfloat16; nf4-fp32
// keeps float32 for everything not quantized (a bf16 lm_head would run in the CPU's bf16 fallback: 97.6 s/step measured).
using var model = CausalLanguageModel.Create(config, precision is "bf16" or "nf4" ? ScalarType.BFloat16 : ScalarType.Float32);
SeededWeights.Fill(model, seed: 1);
model.eval();
var parameterCount = model.parameters().Sum(p => p.numel());
if (precision is "nf4" or "nf4-fp32")
{
    var compute = precision == "nf4" ? ScalarType.BFloat16 : ScalarType.Float32;
    var options = new QuantizationOptions(QuantizationType.Nf4, DoubleQuant: true, BlockSize: 64, ComputeDType: compute);
    foreach (var (path, linear) in model.Linears().Where(l => !l.Path.EndsWith("lm_head", StringComparison.Ordinal)).ToList())
        linear.UseQuantizedWeight(BlockwiseQuantizer.Quantize(linear.weight, options), options.ComputeDType);
}
else if (precision != "fp32" && precision != "bf16") throw new ArgumentException($"precision '{precision}': use fp32, bf16, nf4 or nf4-fp32");
using var lora = LoraInjector.Apply(model, new LoraSection { R = Bench.Rank, Alpha = Bench.Alpha, Dropout = 0, TargetModules = ["q_proj", "v_proj"] }, seed: 1);

var random = new Random(7);
var examples = Enumerable.Range(0, Bench.Batch * (warmup + measured)).Select(i =>
{
    var ids = Enumerable.Range(0, Bench.SequenceLength).Select(_ => random.Next(3, Bench.Vocab)).ToArray();
    return new TokenizedExample(ids, ids, $"random:{i}");
}).ToList();
var settings = new TrainSection
{
    MaxSteps = warmup + measured, LearningRate = Bench.LearningRate, Scheduler = "constant", BatchSize = Bench.Batch,
    MaxSeqLength = Bench.SequenceLength, CheckpointEvery = 0, MaxGradNorm = 1.0,
};
var trainer = new LoraTrainer(lora, examples, settings, seed: 1, padId: 0);
var stepTimes = new List<double>();
var clock = Stopwatch.StartNew();
trainer.StepCompleted += record =>
{
    stepTimes.Add(clock.Elapsed.TotalSeconds);
    clock.Restart();
};
var work = Path.Combine(Path.GetTempPath(), "medtune-bench-" + Guid.NewGuid().ToString("N")[..8]);
try
{
    trainer.Run(work, SilentStageReporter.Instance);
}
finally
{
    Directory.Delete(work, recursive: true);
}
var secondsPerStep = stepTimes.Skip(warmup).Average();
using var process = Process.GetCurrentProcess();
Console.WriteLine(FormattableString.Invariant(
    $"medtune-{precision,-8} params={parameterCount / 1e6:F1}M threads={threads} steps={measured} s/step={secondsPerStep:F3} tokens/s={Bench.Batch * Bench.SequenceLength / secondsPerStep:F1} peak_rss_mb={process.PeakWorkingSet64 / 1048576.0:F0}"));
