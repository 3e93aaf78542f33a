using MedTune.Checkpoints;

namespace MedTune.Pipeline.Planning;

/// <summary>
/// Memory and disk per stage, computed from the model's shape and the experiment's settings before anything is
/// loaded (<c>medtune plan</c>, and <c>medtune run</c>'s check). Load, merge and export are estimated as they
/// stream tensor by tensor (the checkpoint code holds the result plus the largest tensor, never a float32 copy of
/// the whole model); training from the activation terms in <see cref="ActivationMemory"/>; evaluation from the
/// ONNX Runtime session (weights in the export precision), its float32 KV cache and the prefill's logits.
/// </summary>
public static class ResourceEstimator
{
    /// <summary>Resident memory of a medtune process before any model is loaded (.NET and libtorch): measured by eng/bench/scale (load-only child).</summary>
    public const long ProcessBaselineBytes = 250_000_000;
    /// <summary>The same with ONNX Runtime loaded (evaluation): the quickstart's whole run peaks at 410 MB.</summary>
    public const long OrtProcessBaselineBytes = 400_000_000;
    /// <summary>CUDA context, cuBLAS workspace and allocator slack on the GPU.</summary>
    public const long CudaContextBytes = 1_000_000_000;
    /// <summary>ONNX int4 (MatMulNBits, block 32): 4-bit code, float32 scale and 4-bit zero point per block.</summary>
    public const double Int4BytesPerWeight = 0.5 + 4.0 / 32 + 0.5 / 32;

    public const string Train = "train", Merge = "merge";
    public static string ExportOf(string label) => "export-" + label;
    public static string EvaluateOf(string label) => "evaluate-" + label;

    public static ResourcePlan Estimate(PlanSettings s)
    {
        var stages = new List<StageEstimate>();
        if (s.Trains)
        {
            stages.Add(WithRemedies(TrainEstimate(s), s, TrainRemedies, TrainEstimate));
            stages.Add(MergeEstimate(s));
        }
        foreach (var label in s.Evaluated)
        {
            stages.Add(WithRemedies(ExportEstimate(s, label), s, ExportRemedies, x => ExportEstimate(x, label)));
            stages.Add(WithRemedies(EvaluateEstimate(s, label), s, EvaluateRemedies, x => EvaluateEstimate(x, label)));
        }
        return new ResourcePlan(stages, Assumptions(s));
    }

    public static IReadOnlyList<string> Assumptions(PlanSettings s) =>
    [
        $"training: every micro-batch is full (train.batch_size {s.TrainBatchSize} × train.max_seq_length {s.MaxSeqLength} tokens); fused attention (no seq×seq matrix kept)",
        $"evaluation: prompts of {s.PromptTokens} tokens ({s.PromptTokensSource}) + {s.MaxNewTokens} new tokens, batch {s.EvalBatchSize}",
        "load, merge and export stream tensor by tensor (merge and export on the CPU); GB = 10^9 bytes",
        $"process baseline {Gb(ProcessBaselineBytes)} (.NET + libtorch), {Gb(OrtProcessBaselineBytes)} with ONNX Runtime; CUDA context {Gb(CudaContextBytes)} (GPU)",
    ];

    // ---- train ---------------------------------------------------------------------------------------------

    public static StageEstimate TrainEstimate(PlanSettings s)
    {
        var m = s.Model;
        var w = s.Weights;
        var tokens = (long)s.TrainBatchSize * s.MaxSeqLength;
        var loraParams = LoraParameters(s);
        var (weights, weightsDetail) = FrozenWeights(m, w);
        var perLayer = ActivationMemory.PerTokenPerLayer(m, w, s.LoraTargets, s.LoraRank);
        var full = m.Layers * perLayer * tokens;
        var checkpointed = m.Layers * ActivationMemory.PerTokenPerCheckpointedLayer(m, w) * tokens + perLayer * tokens;
        var head = ActivationMemory.HeadPerToken(m, w) * tokens;
        var backward = ActivationMemory.BackwardWorkingSetPerToken(m, w) * tokens;
        var onGpu = s.TrainDevice.Device == "cuda";

        var memory = new List<EstimateLine>
        {
            new(onGpu ? "CUDA context" : "process", onGpu ? CudaContextBytes : ProcessBaselineBytes, onGpu ? "context, cuBLAS workspace" : ".NET + libtorch"),
            new("base weights", weights, weightsDetail),
        };
        if (w.IsQuantized)
            memory.Add(new("dequantized weights", ActivationMemory.DequantizedWeights(m, w),
                $"the largest projection in {w.ComputeDtype}, one matmul at a time (dequantized again for the backward pass)"));
        memory.Add(new("LoRA weights", 4 * loraParams, $"{loraParams:N0} float32 parameters (r {s.LoraRank}, {string.Join(", ", m.LoraTargets(s.LoraTargets).Select(l => l.Name))})"));
        memory.Add(new("LoRA gradients", 4 * loraParams, "float32"));
        memory.Add(new("AdamW state", 8 * loraParams, "exp_avg + exp_avg_sq, float32"));
        memory.Add(s.GradientCheckpointing
            ? new("activations", checkpointed, $"{tokens} tokens; checkpointed: layer inputs + one layer rebuilt (without checkpointing {Gb(full)})")
            : new("activations", full, $"{tokens} tokens × {m.Layers} layers × {perLayer:N0} B (with train.gradient_checkpointing {Gb(checkpointed)})"));
        memory.Add(new("logits and loss", head, $"{tokens} tokens × vocab {m.Vocab}: logits, float32 copy, log-softmax and their gradients"));
        memory.Add(new("backward working set", backward, "gradients of one layer's MLP"));

        var checkpointBytes = 12 * loraParams;
        var disk = new List<EstimateLine>
        {
            new("adapter", 4 * loraParams, "adapter_model.safetensors (float32)"),
        };
        if (s.TrainCheckpoints)
            disk.Add(new("resumable checkpoints", 2 * checkpointBytes, "adapter + AdamW moments; the next is written before the previous is deleted (removed when the stage completes)"));

        var figures = new Dictionary<string, long>
        {
            ["load_peak"] = (onGpu ? 0 : ProcessBaselineBytes) + weights + LoadBuffer(m),
            ["activations_without_checkpointing"] = full,
            ["activations_with_checkpointing"] = checkpointed,
            ["lora_parameters"] = loraParams,
            ["activation_bytes_per_token_per_layer"] = perLayer,
        };
        return new StageEstimate(Train, s.TrainDevice, memory, disk, figures);
    }

    /// <summary>Frozen base weights as held in memory: linear projections in 4 bit on a quantized base, everything else in the model dtype.</summary>
    public static (long Bytes, string Detail) FrozenWeights(ModelShape m, WeightFormat w)
    {
        if (!w.IsQuantized)
            return (m.Parameters * w.StorageBytes, $"{m.Parameters:N0} parameters in {w.Dtype}");
        var linear = (long)Math.Ceiling(m.LinearParameters * w.QuantizedBytesPerWeight);
        var rest = m.OtherParameters * w.StorageBytes;
        return (linear + rest, $"{m.LinearParameters:N0} projection weights in {w.Quantization}{(w.DoubleQuant ? " + double quant" : "")} ({w.QuantizedBytesPerWeight:0.####} B each) + {m.OtherParameters:N0} in {w.Dtype}");
    }

    /// <summary>
    /// While loading: the tensor being read is memory-mapped (its pages count as resident while it is copied or
    /// quantized window by window), so the load peaks at the model plus about one tensor in the checkpoint's dtype.
    /// </summary>
    private static long LoadBuffer(ModelShape m) => m.LargestTensor * SourceBytes(m);

    public static long LoraParameters(PlanSettings s) =>
        s.Model.Layers * s.Model.LoraTargets(s.LoraTargets).Sum(l => (long)s.LoraRank * (l.InFeatures + l.OutFeatures));

    private static IEnumerable<(string Setting, PlanSettings Changed)> TrainRemedies(PlanSettings s)
    {
        if (!s.Weights.IsQuantized)
        {
            s = s with { Weights = s.Weights with { Quantization = "nf4", ComputeDtype = "bfloat16" } };
            yield return ("model.quantization.type: nf4", s);
        }
        if (!s.GradientCheckpointing)
        {
            s = s with { GradientCheckpointing = true };
            yield return ("train.gradient_checkpointing: true", s);
        }
        if (!s.Weights.DoubleQuant)
        {
            s = s with { Weights = s.Weights with { DoubleQuant = true } };
            yield return ("model.quantization.double_quant: true", s);
        }
        while (s.TrainBatchSize > 1)
        {
            s = s with { TrainBatchSize = s.TrainBatchSize / 2 };
            yield return ($"train.batch_size: {s.TrainBatchSize} (raise train.gradient_accumulation_steps to keep the effective batch)", s);
        }
        while (s.MaxSeqLength > 128)
        {
            s = s with { MaxSeqLength = s.MaxSeqLength / 2 };
            yield return ($"train.max_seq_length: {s.MaxSeqLength}", s);
        }
    }

    // ---- merge and export ------------------------------------------------------------------------------------

    /// <summary>
    /// The merge streams the base one tensor at a time on the CPU (<c>StreamingLoraMerger</c>), so its peak is the
    /// process plus the costliest single tensor. A projection holds, until it is written: the tensor as read and its
    /// memory-mapped pages, its copies in the training dtype and in float32, on a 4-bit base the quantize-dequantize round
    /// trip (4-bit codes and float32 values), with an adapter B·A and the sum in float32, and the result in the storage
    /// dtype. Any other tensor is copied as it is (only its mapped pages are resident) when training held it losslessly,
    /// and converted like a projection without adapter otherwise.
    /// </summary>
    public static StageEstimate MergeEstimate(PlanSettings s)
    {
        var m = s.Model;
        var source = SourceBytes(m);
        var trainingCopy = s.Weights.Dtype != m.Config.TorchDtype ? s.Weights.StorageBytes : 0;
        var float32Copy = s.Weights.Dtype != "float32" ? 4 : 0;
        double converted = source + source + trainingCopy + float32Copy + source;
        var roundTrip = s.Weights.IsQuantized ? 0.5 + 4 : 0;
        var targets = m.LoraTargets(s.LoraTargets);
        var adapted = (long)Math.Ceiling(targets.Max(l => l.InFeatures * l.OutFeatures) * (converted + roundTrip + 4 + 4));
        var projection = (long)Math.Ceiling(m.LargestLayerLinear * (converted + roundTrip));
        var lossless = s.Weights.Dtype == "float32" || s.Weights.Dtype == m.Config.TorchDtype;
        var other = (long)Math.Ceiling(m.Vocab * m.Hidden * (lossless ? source : converted));
        var (buffers, detail) = new[]
        {
            (adapted, $"the largest adapted projection: read and mapped, in the training dtype and float32{(s.Weights.IsQuantized ? ", its 4-bit round trip" : "")}, B·A, the sum and the result"),
            (projection, $"the largest projection without adapter{(s.Weights.IsQuantized ? " (4-bit round trip)" : "")}"),
            (other, lossless ? "the embedding, copied from its mapped pages" : "the embedding, converted to the training dtype and back"),
        }.MaxBy(x => x.Item1);
        var largestAdapter = targets.Max(l => (long)s.LoraRank * (l.InFeatures + l.OutFeatures));
        var memory = new List<EstimateLine>
        {
            new("process", ProcessBaselineBytes, ".NET + libtorch"),
            new("tensor buffers", buffers, detail),
            new("adapter", 4 * largestAdapter, "one projection's A and B, float32"),
        };
        var disk = new List<EstimateLine> { new("merged checkpoint", m.Parameters * source, $"sharded safetensors in the base's {m.Config.TorchDtype}") };
        return new StageEstimate(Merge, s.HostDevice, memory, disk, new Dictionary<string, long>());
    }

    /// <summary>Bytes per element of the base checkpoint's tensors (its <c>torch_dtype</c>).</summary>
    public static int SourceBytes(ModelShape m) => WeightFormat.BytesOf(m.Config.TorchDtype is "bfloat16" or "float16" ? m.Config.TorchDtype : "float32");

    /// <summary>Models whose weights stay under this size are written inline in model.onnx (protobuf's 2 GiB limit, as the exporter's default).</summary>
    public const long OnnxInlineLimitBytes = 2L * 1024 * 1024 * 1024 - 64 * 1024 * 1024;

    /// <summary>
    /// The export streams the checkpoint tensor by tensor (<c>OnnxExporter</c>): it holds the largest float32 array it
    /// builds (the embedding or head, or a fused projection such as Llama's gate_up) and that array's stored form, and
    /// writes each to <c>model.onnx.data</c> at once. A model small enough to be stored inline in model.onnx is read back
    /// whole at the end.
    /// </summary>
    public static StageEstimate ExportEstimate(PlanSettings s, string label)
    {
        var m = s.Model;
        var stored = s.ExportPrecision switch { "int4" => Int4BytesPerWeight, "fp16" => 4 + 2, _ => 4.0 }; // fp32/fp16 transpose first
        var largest = m.LargestExportArray;
        var memory = new List<EstimateLine>
        {
            new("process", ProcessBaselineBytes, ".NET"),
            new("tensor buffers", (long)Math.Ceiling(largest * (4 + stored)), $"the largest array built ({largest:N0} float32 values) and its {s.ExportPrecision} form"),
        };
        var onnxBytes = OnnxBytes(m, s.ExportPrecision);
        if (onnxBytes <= OnnxInlineLimitBytes)
            memory.Add(new("inline weights", onnxBytes, "under 2 GiB the weights are stored in model.onnx itself, read back whole to write it"));
        var disk = new List<EstimateLine> { new($"model.onnx ({s.ExportPrecision})", onnxBytes, OnnxDetail(s.ExportPrecision)) };
        if (s.ExportPrecision == "int4" && s.MeasureInt4Cost)
        {
            // The cost of int4 (Int4Cost): an fp32 reference export in the work directory, then both models in ONNX Runtime.
            memory.Add(new("int4 cost: fp32 reference session", 4 * m.Parameters, "float32 weights of the unquantized model (export.int4_cost: false skips the measurement)"));
            memory.Add(new("int4 cost: int4 session", onnxBytes, "the exported model"));
            disk.Add(new("int4 cost: fp32 reference (deleted after)", OnnxBytes(m, "fp32"), "model.onnx.data in the work directory"));
        }
        return new StageEstimate(ExportOf(label), s.HostDevice, memory, disk, new Dictionary<string, long>());
    }

    private static IEnumerable<(string Setting, PlanSettings Changed)> ExportRemedies(PlanSettings s)
    {
        if (s.ExportPrecision == "int4" && s.MeasureInt4Cost)
            yield return ("export.int4_cost: false", s with { MeasureInt4Cost = false });
    }

    /// <summary>ONNX weights on disk: fp32 and fp16 everywhere; int4 packs every linear layer including the output head and keeps the embedding float32.</summary>
    public static long OnnxBytes(ModelShape m, string precision)
    {
        var head = m.Config.TieWordEmbeddings ? 0 : m.Vocab * m.Hidden;
        return precision switch
        {
            "fp32" => 4 * m.Parameters,
            "fp16" => 2 * m.Parameters,
            "int4" => (long)Math.Ceiling((m.LinearParameters + head) * Int4BytesPerWeight) + 4 * (m.Parameters - m.LinearParameters - head),
            _ => throw new ArgumentException($"export.precision '{precision}' is unknown; use fp32, fp16 or int4."),
        };
    }

    private static string OnnxDetail(string precision) => precision switch
    {
        "int4" => "MatMulNBits (block 32) for every projection and the head, float32 embedding",
        "fp16" => "float16 initializers",
        _ => "float32 initializers",
    };

    // ---- evaluate --------------------------------------------------------------------------------------------

    public static StageEstimate EvaluateEstimate(PlanSettings s, string label)
    {
        var m = s.Model;
        var c = m.Config;
        var batch = (long)s.EvalBatchSize;
        var positions = (long)s.PromptTokens + s.MaxNewTokens;
        var kvPerToken = 2L * c.NumLayers * c.NumKeyValueHeads * c.HeadDim * 4;
        var onGpu = s.EvalDevice.Device == "cuda";
        // fp16 initializers are cast to float32 by the graph; ONNX Runtime folds the casts when it optimises the session.
        var sessionWeights = s.ExportPrecision == "int4" ? OnnxBytes(m, "int4") : 4 * m.Parameters;
        var memory = new List<EstimateLine>
        {
            new(onGpu ? "CUDA context" : "process", onGpu ? CudaContextBytes : OrtProcessBaselineBytes, onGpu ? "context, cuBLAS workspace" : ".NET + ONNX Runtime"),
            new("session weights", sessionWeights, s.ExportPrecision == "int4" ? "int4 projections, float32 embedding" : $"float32 ({s.ExportPrecision} initializers upcast in the session)"),
            new("KV cache", 2 * batch * positions * kvPerToken, $"float32, batch {batch} × {positions} positions × {kvPerToken:N0} B; past and present alive together"),
            new("prefill logits", batch * s.PromptTokens * m.Vocab * 4, $"float32 logits for every prompt position (batch {batch} × {s.PromptTokens} × vocab {m.Vocab})"),
            new("prefill activations", batch * s.PromptTokens * (2L * c.IntermediateSize + 4 * m.Hidden) * 4
                                       + batch * c.NumAttentionHeads * (long)s.PromptTokens * s.PromptTokens * 4 * 2,
                "one layer's MLP and attention scores (scores and softmax, float32)"),
        };
        var disk = new List<EstimateLine> { new("predictions and scores", 0, "JSONL and JSON, kilobytes") };
        return new StageEstimate(EvaluateOf(label), s.EvalDevice, memory, disk, new Dictionary<string, long>());
    }

    private static IEnumerable<(string Setting, PlanSettings Changed)> EvaluateRemedies(PlanSettings s)
    {
        if (s.ExportPrecision != "int4")
        {
            s = s with { ExportPrecision = "int4" };
            yield return ("export.precision: int4", s);
        }
        while (s.EvalBatchSize > 1)
        {
            s = s with { EvalBatchSize = s.EvalBatchSize / 2 };
            yield return ($"evaluate.batch_size: {s.EvalBatchSize}", s);
        }
    }

    // ---- remedies --------------------------------------------------------------------------------------------

    /// <summary>When <paramref name="estimate"/> does not fit, applies the candidate changes in order until it does.</summary>
    private static StageEstimate WithRemedies(StageEstimate estimate, PlanSettings s,
        Func<PlanSettings, IEnumerable<(string, PlanSettings)>> candidates, Func<PlanSettings, StageEstimate> reestimate)
    {
        if (estimate.Fits != false) return estimate;
        var remedies = new List<Remedy>();
        foreach (var (setting, changed) in candidates(s))
        {
            var peak = reestimate(changed).PeakBytes;
            remedies.Add(new Remedy(setting, peak));
            if (peak <= estimate.Device.Bytes) break;
        }
        return estimate with { Remedies = remedies };
    }

    public static string Gb(long bytes) => $"{bytes / 1e9:0.0#} GB";
}
