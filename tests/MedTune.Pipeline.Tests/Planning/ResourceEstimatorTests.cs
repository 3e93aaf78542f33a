using MedTune.Checkpoints;
using MedTune.Pipeline.Planning;

namespace MedTune.Pipeline.Tests.Planning;

/// <summary>The estimator against figures computed by hand for small configs (the arithmetic is in the comments).</summary>
public sealed class ResourceEstimatorTests
{
    // Llama: hidden 64, intermediate 160, 2 layers, 4 heads of 16 (q width 64), 2 KV heads (k/v width 32), vocab 100.
    private static readonly ModelShape Llama = ModelShape.From(ModelConfig.Parse("""
        {"model_type": "llama", "vocab_size": 100, "hidden_size": 64, "intermediate_size": 160, "num_hidden_layers": 2,
         "num_attention_heads": 4, "num_key_value_heads": 2, "torch_dtype": "bfloat16"}
        """, "test"));

    // GPT-NeoX: hidden 64, intermediate 256, 2 layers, 4 heads, vocab 100, parallel residual.
    private static readonly ModelShape NeoX = ModelShape.From(ModelConfig.Parse("""
        {"model_type": "gpt_neox", "vocab_size": 100, "hidden_size": 64, "intermediate_size": 256, "num_hidden_layers": 2,
         "num_attention_heads": 4, "use_parallel_residual": true, "hidden_act": "gelu"}
        """, "test"));

    private static readonly IReadOnlyList<string> AllLinear = ["all-linear"];

    [Fact]
    public void Parameter_counts_follow_the_config()
    {
        // per layer: q 64·64 + k 64·32 + v 64·32 + o 64·64 + gate/up/down 3·64·160 = 43008; ×2 layers
        Assert.Equal(86_016, Llama.LinearParameters);
        // embedding 100·64 + lm_head 100·64 + RMSNorm (2·2 + 1)·64
        Assert.Equal(13_120, Llama.OtherParameters);
        Assert.Equal(99_136, Llama.Parameters);
    }

    [Fact]
    public void Nf4_stores_half_a_byte_plus_the_block_constants()
    {
        var nf4 = new WeightFormat("bfloat16", "nf4", DoubleQuant: false, BlockSize: 64);
        var doubleQuant = nf4 with { DoubleQuant = true };
        Assert.Equal(0.5 + 4.0 / 64, nf4.QuantizedBytesPerWeight);
        // 86016 weights: 43008 B of codes + 1344 blocks × 1 B (8-bit absmax) + 5.25 groups of 256 blocks × 4 B
        Assert.Equal((43_008 + 1_344 + 21) + 13_120 * 2, ResourceEstimator.FrozenWeights(Llama, doubleQuant).Bytes);
        Assert.Equal(86_016 * 9 / 16 + 13_120 * 2, ResourceEstimator.FrozenWeights(Llama, nf4).Bytes);
        Assert.Equal(99_136 * 2, ResourceEstimator.FrozenWeights(Llama, new WeightFormat("bfloat16")).Bytes);
    }

    [Fact]
    public void Lora_parameters_are_r_times_in_plus_out_per_target()
    {
        var settings = Settings(Llama) with { LoraRank = 4, LoraTargets = AllLinear };
        // 4 · (128 + 96 + 96 + 128 + 224 + 224 + 224) per layer, 2 layers
        Assert.Equal(8_960, ResourceEstimator.LoraParameters(settings));
        Assert.Equal(2 * 4 * (128 + 96), ResourceEstimator.LoraParameters(settings with { LoraTargets = ["q_proj", "v_proj"] }));
    }

    [Fact]
    public void Llama_activations_per_token_match_the_model_code()
    {
        var bf16 = new WeightFormat("bfloat16");
        // norms 2·4·64 + q/k/v LoRA inputs 3·4·64 + attention 2·4·64 + 4·4 + o LoRA 4·64 + gate/up 2·4·64
        // + SwiGLU 3·2·160 + down LoRA 4·160 + lora_A outputs 7·4·4
        Assert.Equal(512 + 768 + 528 + 256 + 512 + 960 + 640 + 112, ActivationMemory.PerTokenPerLayer(Llama, bf16, AllLinear, 4));
        // float32: LoRA branches reading the same input share it (q/k/v, gate/up)
        Assert.Equal(512 + 256 + 1040 + 256 + 256 + 1920 + 640 + 112, ActivationMemory.PerTokenPerLayer(Llama, new WeightFormat("float32"), AllLinear, 4));
        // only q and v adapted: nothing kept for o, gate, up, down's LoRA
        Assert.Equal(512 + 512 + 528 + 960 + 32, ActivationMemory.PerTokenPerLayer(Llama, bf16, ["q_proj", "v_proj"], 4));
        // on a 4-bit base the hidden states stay in the model dtype (only the matmuls run in the compute dtype)
        Assert.Equal(ActivationMemory.PerTokenPerLayer(Llama, new WeightFormat("float32"), AllLinear, 4),
            ActivationMemory.PerTokenPerLayer(Llama, new WeightFormat("float32", "nf4", ComputeDtype: "bfloat16"), AllLinear, 4));
    }

    [Fact]
    public void NeoX_activations_per_token_match_the_model_code()
    {
        // shared LayerNorm input 2·64 + qkv LoRA 4·64 + attention 2·4·64 + 16 + dense LoRA 4·64 + h_to_4h LoRA 4·64
        // + gelu input 2·256 + 4h_to_h LoRA 4·256 + lora_A outputs 4·4·4
        Assert.Equal(128 + 256 + 528 + 256 + 256 + 512 + 1024 + 64, ActivationMemory.PerTokenPerLayer(NeoX, new WeightFormat("bfloat16"), AllLinear, 4));
    }

    [Fact]
    public void Train_peak_is_the_sum_of_its_terms()
    {
        var s = Settings(Llama) with { LoraRank = 4, LoraTargets = AllLinear, TrainBatchSize = 2, MaxSeqLength = 8 };
        var train = ResourceEstimator.TrainEstimate(s);
        const long tokens = 16;
        var expected = ResourceEstimator.ProcessBaselineBytes
                       + 99_136 * 2                       // bf16 weights
                       + 8_960 * (4 + 4 + 8)              // LoRA weights, gradients, AdamW moments
                       + 2 * 4_288 * tokens               // activations, 2 layers
                       + (4 * 64 + 100 * (2 + 4 + 4 + 8)) * tokens   // final norm, logits, float32 copy, log-softmax, 2 gradients
                       + ((4 + 2 * 2) * 160 + 16 * 64) * tokens;     // backward working set
        Assert.Equal(expected, train.PeakBytes);
        // checkpointing keeps each layer's bf16 input and rebuilds one layer
        Assert.Equal(2 * 2 * 64 * tokens + 4_288 * tokens, train.Figures["activations_with_checkpointing"]);
        var checkpointed = ResourceEstimator.TrainEstimate(s with { GradientCheckpointing = true });
        Assert.Equal(train.PeakBytes - 2 * 4_288 * tokens + (2 * 2 * 64 + 4_288) * tokens, checkpointed.PeakBytes);
        // disk: float32 adapter, and two resumable checkpoints of adapter + moments while training
        Assert.Equal(8_960 * 4 + 2 * 8_960 * 12, train.DiskBytes);
    }

    [Fact]
    public void A_4bit_base_holds_one_dequantized_projection_at_a_time()
    {
        var nf4 = new WeightFormat("bfloat16", "nf4", ComputeDtype: "bfloat16");
        // MatMul4Bit dequantizes again in the backward pass: only the largest projection (64·160) in bfloat16 at a time,
        // not every projection (86016 elements) kept from forward to backward
        Assert.Equal(10_240 * 2, ActivationMemory.DequantizedWeights(Llama, nf4));
        Assert.Equal(10_240 * 4, ActivationMemory.DequantizedWeights(Llama, nf4 with { ComputeDtype = "float32" }));
        Assert.Equal(0, ActivationMemory.DequantizedWeights(Llama, new WeightFormat("bfloat16")));
    }

    [Fact]
    public void Merge_holds_one_tensor_in_its_dtypes_and_writes_the_base_dtype()
    {
        var merge = ResourceEstimator.MergeEstimate(Settings(Llama) with { LoraRank = 4, LoraTargets = AllLinear });
        // largest adapted tensor 64·160 (gate/up/down): bf16 as read and its mapped pages, float32 (training holds bf16,
        // so no other copy), B·A and the sum in float32, the bf16 result; the largest adapter is gate/up's 4 · (64 + 160) float32 values
        Assert.Equal(ResourceEstimator.ProcessBaselineBytes + 10_240 * (2 + 2 + 4 + 4 + 4 + 2) + 4 * 4 * 224, merge.PeakBytes);
        Assert.Equal(99_136 * 2, merge.DiskBytes);
        Assert.Equal("cpu", merge.Device.Device);

        // On a 4-bit base trained in float32: + the float32 training copy and the quantize-dequantize round trip (4.5 B).
        var quantized = ResourceEstimator.MergeEstimate(Settings(Llama) with
        {
            LoraRank = 4, LoraTargets = AllLinear, Weights = new WeightFormat("float32", "nf4", true, 64, "float32"),
        });
        Assert.Equal(10_240 * (2 + 2 + 4 + 4.5 + 4 + 4 + 2), quantized.Memory.Single(l => l.Item == "tensor buffers").Bytes);
    }

    [Fact]
    public void Merge_copies_an_embedding_held_losslessly_from_its_mapped_pages()
    {
        // A vocabulary of 100,000 × hidden 64 (6.4 M values) outweighs every projection: copied as stored (bf16), it
        // costs its mapped pages; trained in float16 (not lossless from bf16) it is converted like a projection.
        var big = ModelShape.From(Llama.Config with { VocabSize = 100_000 });
        var copied = ResourceEstimator.MergeEstimate(Settings(big) with { LoraTargets = AllLinear });
        Assert.Equal(6_400_000L * 2, copied.Memory.Single(l => l.Item == "tensor buffers").Bytes);
        var converted = ResourceEstimator.MergeEstimate(Settings(big) with { LoraTargets = AllLinear, Weights = new WeightFormat("float16") });
        Assert.Equal(6_400_000L * (2 + 2 + 2 + 4 + 2), converted.Memory.Single(l => l.Item == "tensor buffers").Bytes);
    }

    [Fact]
    public void Evaluation_counts_the_float32_kv_cache_and_the_session_weights()
    {
        var s = Settings(Llama) with { EvalBatchSize = 2, PromptTokens = 10, MaxNewTokens = 5 };
        var evaluate = ResourceEstimator.EvaluateEstimate(s, "base");
        // 2 (K and V) · 2 layers · 2 KV heads · 16 dims · 4 B = 512 B per position; batch 2 × 15 positions; past + present
        Assert.Equal(2 * 2 * 15 * 512, evaluate.Memory.Single(l => l.Item == "KV cache").Bytes);
        Assert.Equal(99_136 * 4, evaluate.Memory.Single(l => l.Item == "session weights").Bytes);
        // int4: projections and head at 0.640625 B, embedding and norms float32
        Assert.Equal((long)Math.Ceiling((86_016 + 6_400) * 0.640625) + 4 * (6_400 + 320), ResourceEstimator.OnnxBytes(Llama, "int4"));
        Assert.Equal(99_136 * 2, ResourceEstimator.OnnxBytes(Llama, "fp16"));
    }

    [Fact]
    public void Export_holds_its_largest_array_and_reads_an_inline_model_back()
    {
        // Llama's fused gate|up (2 · 160 · 64 = 20,480 values) is the largest array; int4 adds 0.640625 B per value.
        var s = Settings(Llama) with { ExportPrecision = "int4", MeasureInt4Cost = false };
        var export = ResourceEstimator.ExportEstimate(s, "tuned");
        Assert.Equal(20_480, Llama.LargestExportArray);
        Assert.Equal((long)Math.Ceiling(20_480 * 4.640625), export.Memory.Single(l => l.Item == "tensor buffers").Bytes);
        // Under 2 GiB the weights go inline in model.onnx, read back whole.
        Assert.Equal(ResourceEstimator.OnnxBytes(Llama, "int4"), export.Memory.Single(l => l.Item == "inline weights").Bytes);
        // GPT-NeoX: query_key_value (3 · 64 · 64) read and regrouped into a copy.
        Assert.Equal(2 * 3 * 64 * 64, NeoX.LargestExportArray);
    }

    [Fact]
    public void A_stage_that_does_not_fit_names_the_settings_that_make_it_fit()
    {
        var s = Settings(Llama) with { LoraRank = 4, LoraTargets = AllLinear, TrainBatchSize = 8, MaxSeqLength = 512 };
        var needed = ResourceEstimator.TrainEstimate(s).PeakBytes;
        var tight = s with { TrainDevice = new DeviceBudget("cpu", needed - 1, "test") };
        var train = ResourceEstimator.Estimate(tight).Find("train")!;
        Assert.False(train.Fits);
        Assert.Equal("model.quantization.type: nf4", train.Remedies[0].Setting);
        Assert.True(train.Remedies[^1].PeakBytesAfter < needed);
        Assert.All(train.Remedies.SkipLast(1), r => Assert.True(r.PeakBytesAfter > needed - 1));

        var roomy = ResourceEstimator.Estimate(s with { TrainDevice = new DeviceBudget("cpu", needed, "test") }).Find("train")!;
        Assert.True(roomy.Fits);
        Assert.Empty(roomy.Remedies);
        Assert.Null(ResourceEstimator.Estimate(s with { TrainDevice = new DeviceBudget("cuda", null, "unset") }).Find("train")!.Fits);
    }

    [Fact]
    public void An_int4_export_counts_the_cost_measurement_and_names_export_int4_cost_when_it_does_not_fit()
    {
        var s = Settings(Llama) with { ExportPrecision = "int4" };
        var measured = ResourceEstimator.ExportEstimate(s, "tuned");
        // the fp32 reference session (4 B per parameter) and the int4 session; the reference ONNX on disk meanwhile
        Assert.Equal(99_136 * 4, measured.Memory.Single(l => l.Item == "int4 cost: fp32 reference session").Bytes);
        Assert.Equal(ResourceEstimator.OnnxBytes(Llama, "int4"), measured.Memory.Single(l => l.Item == "int4 cost: int4 session").Bytes);
        Assert.Equal(99_136 * 4, measured.Disk.Single(l => l.Item.StartsWith("int4 cost")).Bytes);
        var unmeasured = ResourceEstimator.ExportEstimate(s with { MeasureInt4Cost = false }, "tuned");
        Assert.DoesNotContain(unmeasured.Memory, l => l.Item.StartsWith("int4 cost"));
        Assert.DoesNotContain(ResourceEstimator.ExportEstimate(Settings(Llama), "tuned").Memory, l => l.Item.StartsWith("int4 cost"));

        var tight = s with { HostDevice = new DeviceBudget("cpu", measured.PeakBytes - 1, "test") };
        var export = ResourceEstimator.Estimate(tight).Find("export-tuned")!;
        Assert.False(export.Fits);
        Assert.Equal("export.int4_cost: false", export.Remedies.Single().Setting);
        Assert.Equal(unmeasured.PeakBytes, export.Remedies.Single().PeakBytesAfter);
    }

    [Fact]
    public void An_unknown_target_module_is_named()
    {
        var e = Assert.Throws<ArgumentException>(() => Llama.LoraTargets(["q_proj", "query_key_value"]));
        Assert.Contains("query_key_value", e.Message);
        Assert.Contains("gate_proj", e.Message);
    }

    [Fact]
    public void Stages_follow_the_evaluated_models()
    {
        var plan = ResourceEstimator.Estimate(Settings(Llama) with { Evaluated = ["base"], Trains = false });
        Assert.Equal(["export-base", "evaluate-base"], plan.Stages.Select(s => s.Stage));
        var full = ResourceEstimator.Estimate(Settings(Llama));
        Assert.Equal(["train", "merge", "export-base", "evaluate-base", "export-tuned", "evaluate-tuned"], full.Stages.Select(s => s.Stage));
    }

    private static PlanSettings Settings(ModelShape model)
    {
        var cpu = new DeviceBudget("cpu", 1L << 40, "test");
        return new PlanSettings
        {
            Model = model,
            Weights = new WeightFormat("bfloat16"),
            TrainDevice = cpu,
            EvalDevice = cpu,
            HostDevice = cpu,
        };
    }
}
