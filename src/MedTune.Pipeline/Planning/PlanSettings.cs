namespace MedTune.Pipeline.Planning;

/// <summary>How the frozen base weights are held: a plain dtype, or 4-bit (NF4/FP4) blocks as bitsandbytes stores them.</summary>
public sealed record WeightFormat(string Dtype, string Quantization = "none", bool DoubleQuant = false, int BlockSize = 64, string ComputeDtype = "bfloat16")
{
    public bool IsQuantized => Quantization != "none";

    /// <summary>Bytes of one element of <paramref name="dtype"/> (float32, bfloat16, float16).</summary>
    public static int BytesOf(string dtype) => dtype switch
    {
        "float32" => 4,
        "bfloat16" or "float16" => 2,
        _ => throw new ArgumentException($"unknown dtype '{dtype}'; use float32, bfloat16 or float16."),
    };

    /// <summary>Bytes per element of the frozen base's non-quantized tensors (and of its dense copies).</summary>
    public int StorageBytes => BytesOf(Dtype);

    /// <summary>
    /// Bytes per element of activations: the hidden states stay in the model dtype (a 4-bit projection casts its input
    /// to the compute dtype and its output back, as bitsandbytes' Linear4bit).
    /// </summary>
    public int ActivationBytes => StorageBytes;

    /// <summary>Bytes per element of a dequantized 4-bit weight.</summary>
    public int ComputeBytes => IsQuantized ? BytesOf(ComputeDtype) : StorageBytes;

    /// <summary>
    /// Bytes per quantized weight, as bitsandbytes stores it: 4 bits, plus one float32 absmax per block; with double
    /// quantization the absmax values are 8-bit codes with one float32 constant per 256 blocks (Dettmers et al. 2023, §3).
    /// </summary>
    public double QuantizedBytesPerWeight => IsQuantized
        ? 0.5 + (DoubleQuant ? 1.0 / BlockSize + 4.0 / (BlockSize * 256.0) : 4.0 / BlockSize)
        : StorageBytes;
}

/// <summary>The device a stage runs on and how much memory it may use (null: unknown, nothing is checked).</summary>
public sealed record DeviceBudget(string Device, long? Bytes, string Source);

/// <summary>What the estimator needs to know about an experiment: the stage-boundary options, not the manifest schema.</summary>
public sealed record PlanSettings
{
    public required ModelShape Model { get; init; }
    public required WeightFormat Weights { get; init; }

    /// <summary>Train and merge stages run only when the tuned model is evaluated.</summary>
    public bool Trains { get; init; } = true;
    public int LoraRank { get; init; } = 8;
    public IReadOnlyList<string> LoraTargets { get; init; } = ["q_proj", "v_proj"];
    public int TrainBatchSize { get; init; } = 4;
    public int MaxSeqLength { get; init; } = 256;
    public bool GradientCheckpointing { get; init; }
    /// <summary>Resumable checkpoints are kept (one at a time, the next written beside it before the old is deleted).</summary>
    public bool TrainCheckpoints { get; init; } = true;

    /// <summary>Labels of the evaluated models (base, tuned): one export and one evaluation each.</summary>
    public IReadOnlyList<string> Evaluated { get; init; } = ["base", "tuned"];
    /// <summary>ONNX weight precision: fp32, fp16 or int4.</summary>
    public string ExportPrecision { get; init; } = "fp32";
    /// <summary>An int4 export also measures its cost: an fp32 reference export and both models in ONNX Runtime.</summary>
    public bool MeasureInt4Cost { get; init; } = true;
    public int EvalBatchSize { get; init; } = 8;
    public int PromptTokens { get; init; } = 512;
    /// <summary>Where <see cref="PromptTokens"/> comes from (measured on the data, or the assumption and why), for the plan's assumptions.</summary>
    public string PromptTokensSource { get; init; } = "assumed";
    public int MaxNewTokens { get; init; } = 32;

    public required DeviceBudget TrainDevice { get; init; }
    public required DeviceBudget EvalDevice { get; init; }
    /// <summary>Export always runs on the CPU (C#, no TorchSharp).</summary>
    public required DeviceBudget HostDevice { get; init; }
}
