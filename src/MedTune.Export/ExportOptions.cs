namespace MedTune.Export;

/// <summary>How exported weights are stored and computed.</summary>
public enum ExportPrecision
{
    /// <summary>float32 weights and compute.</summary>
    Fp32,
    /// <summary>float16 weights, upcast with Cast nodes to float32 compute (halves the file; logits and KV cache stay float32).</summary>
    Fp16,
    /// <summary>Weight-only 4-bit blockwise quantisation of every linear layer (com.microsoft MatMulNBits, block 32, with zero points).</summary>
    Int4,
}

public sealed record ExportOptions
{
    /// <summary>
    /// ONNX opset of the default domain. The IR version follows from it (opset ≤ 18 → IR 8, 19–20 → IR 9,
    /// 21–22 → IR 10, 23+ → IR 11); opset 17 with IR 8 is what older checkers (onnx 1.12) accept.
    /// </summary>
    public int Opset { get; init; } = 17;

    public ExportPrecision Precision { get; init; } = ExportPrecision.Fp32;

    /// <summary>
    /// Emit the opset-23 fused operators RMSNormalization, RotaryEmbedding and Attention (grouped-query, with
    /// the cache) instead of their plain-operator expansions. Needs opset ≥ 23 and therefore IR 11, which
    /// ONNX Runtime ≥ 1.22 reads but older tooling (onnx 1.12's checker) does not.
    /// </summary>
    public bool FusedOperators { get; init; }

    /// <summary>
    /// Write weights to <c>model.onnx.data</c> tensor by tensor while the graph is built, so that an export holds one
    /// layer's weights at a time rather than the model (the default). Off, the graph keeps every weight in memory until
    /// it is written; both give the same bytes.
    /// </summary>
    public bool StreamWeights { get; init; } = true;

    /// <summary>Initializers above this total size go to <c>model.onnx.data</c> (protobuf cannot hold 2 GiB).</summary>
    public long ExternalDataThresholdBytes { get; init; } = 2L * 1024 * 1024 * 1024 - 64 * 1024 * 1024;

    public static ExportPrecision ParsePrecision(string text) => text switch
    {
        "fp32" => ExportPrecision.Fp32,
        "fp16" => ExportPrecision.Fp16,
        "int4" => ExportPrecision.Int4,
        _ => throw new ArgumentException($"export precision '{text}' is not supported; use fp32, fp16 or int4."),
    };

    public static string PrecisionName(ExportPrecision precision) => precision switch
    {
        ExportPrecision.Fp32 => "fp32",
        ExportPrecision.Fp16 => "fp16",
        _ => "int4",
    };
}
