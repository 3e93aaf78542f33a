using System.Security.Cryptography;
using MedTune.Checkpoints;
using MedTune.Models;
using MedTune.Models.Quantization;
using MedTune.Testing;
using static TorchSharp.torch;

namespace MedTune.Training.Tests;

/// <summary>
/// Merged-vs-adapter parity, the most common complaint in PEFT and LLaMA-Factory trackers: the merged checkpoint
/// must give the logits of base + adapter (within the tolerance each dtype allows) and the same greedy tokens.
/// </summary>
public class MergeParityTests
{
    /// <summary>Largest |Δlogit| allowed, as a fraction of the largest |logit|, per storage dtype.</summary>
    /// <remarks>
    /// float32: only summation order differs (x·Wᵀ + x·Aᵀ·Bᵀ·s vs x·(W + s·B·A)ᵀ): ~1e-6 relative.
    /// bfloat16: the merged weight is rounded once more to 8 significant bits (a step of up to 2⁻⁷ relative, i.e.
    /// ≤ 2⁻⁸ error), while the adapter path adds the float32 LoRA output to the bf16 base output; through two layers
    /// the logits then differ by a few bf16 steps of the largest logit (measured on the tiny models: 1.0–2.1%).
    /// </remarks>
    public static double RelativeTolerance(string dtype) => dtype == "float32" ? 1e-5 : 0.03;

    private static readonly long[][] Prompts = [[1, 5, 9, 13, 17, 21], [1, 100, 3, 7, 7, 56]];
    private const int GeneratedTokens = 6;

    public static TheoryData<string, string> Cases => new()
    {
        { "llama", "float32" }, { "neox", "float32" }, { "llama", "bfloat16" }, { "neox", "bfloat16" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Merged_checkpoint_gives_the_logits_and_greedy_tokens_of_base_plus_adapter(string family, string dtype)
    {
        using var dir = new TempDirectory();
        var baseDirectory = family == "llama" ? TinyCheckpoints.Llama(dir.Path, dtype: dtype) : TinyCheckpoints.NeoX(dir.Path, dtype: dtype);
        var scalar = TrainingDevice.DType(dtype);
        var adapterDirectory = Path.Combine(dir.Path, "adapter");
        SaveTrainedLookingAdapter(baseDirectory, adapterDirectory, scalar);
        var mergedDirectory = Path.Combine(dir.Path, "merged");
        var result = StreamingLoraMerger.Merge(baseDirectory, adapterDirectory, mergedDirectory, new StreamingMergeOptions { TrainingDType = scalar });
        Assert.Equal(dtype == "float32" ? TensorDType.F32 : TensorDType.BF16, result.StorageDType);
        Assert.True(result.MergedProjections >= 4);

        using var adapted = ModelLoader.Load(baseDirectory, dtype: scalar);
        using var injection = LoraAdapter.Load(adapterDirectory, adapted);
        using var merged = ModelLoader.Load(mergedDirectory, dtype: scalar);
        using var plain = ModelLoader.Load(baseDirectory, dtype: scalar);
        var tolerance = RelativeTolerance(dtype);
        var decided = 0;
        foreach (var prompt in Prompts)
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var ids = tensor(prompt, [1, prompt.Length]);
            var expected = adapted.Forward(ids).to_type(ScalarType.Float32);
            var actual = merged.Forward(ids).to_type(ScalarType.Float32);
            var baseline = plain.Forward(ids).to_type(ScalarType.Float32);
            var largest = expected.abs().max().item<float>();
            var difference = (actual - expected).abs().max().item<float>();
            var adapterEffect = (baseline - expected).abs().max().item<float>();
            Assert.True(difference <= tolerance * largest,
                $"{family}/{dtype}: merged logits differ from base+adapter by {difference} (> {tolerance} × largest logit {largest})");
            // The adapter must matter far more than the merge error, or the comparison above would prove nothing.
            Assert.True(adapterEffect > 10 * difference,
                $"{family}/{dtype}: the adapter changes the logits by only {adapterEffect}");
            if (dtype == "float32")
            {
                Assert.Equal(Greedy(adapted, prompt, GeneratedTokens), Greedy(merged, prompt, GeneratedTokens));
                continue;
            }
            // bf16: a greedy step may flip where the two best logits lie within the rounding gap of each other; everywhere
            // else (most steps) the merged model must pick base+adapter's token. Checked teacher-forced on base+adapter's
            // continuation, so one legitimate flip does not derail the rest of the comparison.
            var continuation = prompt.Concat(Greedy(adapted, prompt, GeneratedTokens)).ToArray();
            var full = tensor(continuation, [1, continuation.Length]);
            var adaptedSteps = adapted.Forward(full).to_type(ScalarType.Float32)[0];
            var mergedSteps = merged.Forward(full).to_type(ScalarType.Float32)[0];
            var stepDifference = (mergedSteps - adaptedSteps).abs().max().item<float>();
            for (var position = prompt.Length - 1; position < continuation.Length - 1; position++)
            {
                var top = adaptedSteps[position].topk(2).values;
                // With every logit within stepDifference of base+adapter's, a margin above twice that cannot flip.
                if (top[0].item<float>() - top[1].item<float>() <= 2 * stepDifference) continue;
                decided++;
                Assert.Equal(continuation[position + 1], mergedSteps[position].argmax().item<long>());
            }
        }
        if (dtype != "float32")
            Assert.True(decided >= Prompts.Length * GeneratedTokens / 4,
                $"{family}/{dtype}: only {decided} of {Prompts.Length * GeneratedTokens} greedy steps had a margin above the rounding gap; the comparison proves too little");
    }

    /// <summary>
    /// 4-bit base (NF4, double quant, bf16 compute, bf16 checkpoint). The adapter was trained against
    /// W_q = bf16(Dequantize(Quantize(W))); the merge stores bf16(W_q + s·B·A), so the expected gap is one bf16
    /// rounding of the sum: |stored − (W_q + s·B·A)| ≤ 2⁻⁸·|W_q + s·B·A| per weight (half a bf16 step, 8 significant bits; 0 for the
    /// unadapted embedding/head, which stay unquantized). Through the model that gap gives the bf16 logit tolerance.
    /// </summary>
    [Theory]
    [InlineData("llama")]
    [InlineData("neox")]
    public void Merge_onto_a_4bit_base_equals_the_dequantized_base_plus_adapter_within_one_bf16_rounding(string family)
    {
        using var dir = new TempDirectory();
        var baseDirectory = family == "llama" ? TinyCheckpoints.Llama(dir.Path, dtype: "bfloat16") : TinyCheckpoints.NeoX(dir.Path, dtype: "bfloat16");
        var adapterDirectory = Path.Combine(dir.Path, "adapter");
        SaveTrainedLookingAdapter(baseDirectory, adapterDirectory, ScalarType.BFloat16);
        var view = new QuantizedBaseView(new QuantizationOptions(QuantizationType.Nf4, DoubleQuant: true, BlockSize: 64, ComputeDType: ScalarType.BFloat16));
        var mergedDirectory = Path.Combine(dir.Path, "merged");
        var result = StreamingLoraMerger.Merge(baseDirectory, adapterDirectory, mergedDirectory,
            new StreamingMergeOptions { TrainingDType = ScalarType.BFloat16, QuantizedBase = view });
        Assert.Equal(2 * (family == "llama" ? 7 : 4), result.QuantizedWeights);

        // What QLoRA trained against: the bf16 model with every quantized linear replaced by its dequantized weight.
        using var qlora = ModelLoader.Load(baseDirectory, dtype: ScalarType.BFloat16);
        using (no_grad())
            foreach (var (name, parameter) in qlora.named_parameters())
                if (view.Applies(name, parameter.shape))
                    parameter.copy_(view.RoundTrip(parameter.to_type(ScalarType.Float32)));
        using var plainMergeModel = ModelLoader.Load(mergedDirectory, dtype: ScalarType.BFloat16);
        var quantizedNames = qlora.named_parameters().Where(p => view.Applies(p.name, p.parameter.shape)).Select(p => p.name).ToList();
        using var injection = LoraAdapter.Load(adapterDirectory, qlora);

        // Per weight: stored = bf16(W_q + s·B·A), within half a bf16 step of the float32 sum.
        using var merged = CheckpointWeights.Open(mergedDirectory);
        var linears = qlora.Linears().ToDictionary(l => l.Path, l => l.Linear);
        foreach (var name in quantizedNames)
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var linear = linears[name[..^".weight".Length]];
            var lora = (LoraLayer)linear.Adapter!;
            var exact = linear.weight.to_type(ScalarType.Float32) + matmul(lora.lora_B.weight!, lora.lora_A.weight!) * lora.Scale;
            var stored = CheckpointTensors.Read(merged, name).to_type(ScalarType.Float32);
            var gap = (stored - exact).abs();
            var bound = exact.abs().mul(Math.Pow(2, -8)).add(1e-30);
            Assert.True(gap.le(bound).all().item<bool>(), $"{name}: gap {gap.max().item<float>()} exceeds half a bf16 step");
        }

        // Logits: merged vs quantized base + adapter, within the bf16 tolerance; and the 4-bit round trip must matter.
        using var unquantizedMerge = ModelLoader.Load(Path.Combine(Merge(baseDirectory, adapterDirectory, dir.Path)), dtype: ScalarType.BFloat16);
        foreach (var prompt in Prompts)
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var ids = tensor(prompt, [1, prompt.Length]);
            var expected = qlora.Forward(ids).to_type(ScalarType.Float32);
            var largest = expected.abs().max().item<float>();
            var difference = (plainMergeModel.Forward(ids).to_type(ScalarType.Float32) - expected).abs().max().item<float>();
            Assert.True(difference <= RelativeTolerance("bfloat16") * largest, $"{family}/nf4: merged logits differ by {difference} (largest {largest})");
            var withoutRoundTrip = (unquantizedMerge.Forward(ids).to_type(ScalarType.Float32) - expected).abs().max().item<float>();
            Assert.True(withoutRoundTrip > difference, $"{family}/nf4: merging without the 4-bit round trip is as close ({withoutRoundTrip} vs {difference})");
        }
    }

    private static string Merge(string baseDirectory, string adapterDirectory, string root)
    {
        var output = Path.Combine(root, "merged-unquantized");
        StreamingLoraMerger.Merge(baseDirectory, adapterDirectory, output, new StreamingMergeOptions { TrainingDType = ScalarType.BFloat16 });
        return output;
    }

    [Theory]
    [InlineData("llama")]
    [InlineData("neox")]
    public void Streaming_merge_writes_the_bytes_of_the_in_memory_merge(string family)
    {
        using var dir = new TempDirectory();
        var baseDirectory = family == "llama" ? TinyCheckpoints.Llama(dir.Path) : TinyCheckpoints.NeoX(dir.Path);
        var adapterDirectory = Path.Combine(dir.Path, "adapter");
        SaveTrainedLookingAdapter(baseDirectory, adapterDirectory, ScalarType.Float32);

        var inMemory = Path.Combine(dir.Path, "in-memory");
        using (var model = ModelLoader.Load(baseDirectory))
        using (LoraAdapter.Load(adapterDirectory, model))
        {
            LoraMerger.Merge(model);
            CheckpointSaver.Save(model, inMemory, baseDirectory);
        }
        var streamed = Path.Combine(dir.Path, "streamed");
        StreamingLoraMerger.Merge(baseDirectory, adapterDirectory, streamed, new StreamingMergeOptions());
        Assert.Equal(Hashes(inMemory), Hashes(streamed));
    }

    [Fact]
    public void Sharded_merge_is_deterministic_and_loads_as_the_single_file_merge()
    {
        using var dir = new TempDirectory();
        var baseDirectory = TinyCheckpoints.Llama(dir.Path, dtype: "bfloat16");
        var adapterDirectory = Path.Combine(dir.Path, "adapter");
        SaveTrainedLookingAdapter(baseDirectory, adapterDirectory, ScalarType.BFloat16);
        var options = new StreamingMergeOptions { TrainingDType = ScalarType.BFloat16, MaxShardBytes = 40_000 };
        var first = Path.Combine(dir.Path, "first");
        var second = Path.Combine(dir.Path, "second");
        var single = Path.Combine(dir.Path, "single");
        var progress = new List<long>();
        var result = StreamingLoraMerger.Merge(baseDirectory, adapterDirectory, first, options, new SyncProgress(progress.Add));
        StreamingLoraMerger.Merge(baseDirectory, adapterDirectory, second, options);
        StreamingLoraMerger.Merge(baseDirectory, adapterDirectory, single, options with { MaxShardBytes = long.MaxValue });

        Assert.True(result.WeightFiles.Count > 3, $"expected several shards, got {string.Join(", ", result.WeightFiles)}");
        Assert.Contains($"model-00001-of-{result.WeightFiles.Count - 1:D5}.safetensors", result.WeightFiles);
        Assert.Equal(CheckpointWeights.IndexFileName, result.WeightFiles[^1]);
        Assert.Equal(Hashes(first), Hashes(second));
        Assert.Equal(result.WeightBytes, progress.Sum());
        // A shard stays under the limit unless it holds one tensor larger than the limit (the embedding, the head).
        Assert.All(Directory.GetFiles(first, "model-*.safetensors"), f =>
        {
            using var shard = SafetensorsFile.Open(f);
            Assert.True(shard.Tensors.Count == 1 || shard.Tensors.Values.Sum(t => t.ByteCount) <= 40_000, $"{f} holds {shard.Tensors.Count} tensors");
        });

        using var sharded = CheckpointWeights.Open(first);
        using var whole = CheckpointWeights.Open(single);
        Assert.Equal(whole.Names.Order(StringComparer.Ordinal), sharded.Names.Order(StringComparer.Ordinal));
        foreach (var name in whole.Names)
            Assert.Equal(whole.ReadBytes(name), sharded.ReadBytes(name));
    }

    [Fact]
    public void Adapter_for_another_base_is_refused_with_the_module_named()
    {
        using var dir = new TempDirectory();
        var llama = TinyCheckpoints.Llama(dir.Path);
        var neox = TinyCheckpoints.NeoX(dir.Path);
        var adapterDirectory = Path.Combine(dir.Path, "adapter");
        SaveTrainedLookingAdapter(llama, adapterDirectory, ScalarType.Float32);
        var error = Assert.Throws<LoraAdapterException>(() =>
            StreamingLoraMerger.Merge(neox, adapterDirectory, Path.Combine(dir.Path, "out"), new StreamingMergeOptions()));
        Assert.Matches("adapts module '[a-z_.0-9]+', which the base model does not have", error.Message);
        Assert.Contains("another base model", error.Message);
    }

    /// <summary>An adapter on every linear layer with B far from its zero init, so that the merge changes the model.</summary>
    internal static void SaveTrainedLookingAdapter(string baseDirectory, string adapterDirectory, ScalarType dtype)
    {
        using var model = ModelLoader.Load(baseDirectory, dtype: dtype);
        using var lora = LoraInjector.Apply(model, TestData.Lora(0, "all-linear"), seed: 7);
        using var generator = new Generator(11);
        using (no_grad())
            foreach (var (_, layer) in lora.Layers)
                layer.lora_B.weight!.copy_(randn(layer.lora_B.weight!.shape, generator: generator).mul_(0.5));
        LoraAdapter.Save(lora, adapterDirectory, baseDirectory);
    }

    private static long[] Greedy(CausalLanguageModel model, long[] prompt, int count)
    {
        var ids = prompt.ToList();
        for (var i = 0; i < count; i++)
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var logits = model.Forward(tensor(ids.ToArray(), [1, ids.Count]));
            ids.Add(logits[0, -1].to_type(ScalarType.Float32).argmax().item<long>());
        }
        return ids.Skip(prompt.Length).ToArray();
    }

    private static SortedDictionary<string, string> Hashes(string directory) => new(
        Directory.GetFiles(directory).ToDictionary(Path.GetFileName, f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))))!,
        StringComparer.Ordinal);

    private sealed class SyncProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
