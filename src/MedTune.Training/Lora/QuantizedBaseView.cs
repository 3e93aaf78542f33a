using MedTune.Models.Quantization;
using static TorchSharp.torch;

namespace MedTune.Training;

/// <summary>
/// What a QLoRA adapter was trained against: every linear layer's weight (not the embedding, not the output head,
/// which transformers' bitsandbytes integration also keeps unquantized) stored in 4 bit and dequantized to the compute
/// dtype for each matmul. <see cref="RoundTrip"/> returns exactly that matrix, in float32.
/// </summary>
public sealed class QuantizedBaseView(QuantizationOptions options) : IQuantizedBaseView
{
    private static readonly string[] Unquantized = ["embed_tokens", "embed_in", "lm_head", "embed_out"];

    public QuantizationOptions Options { get; } = options;

    public bool Applies(string parameterName, long[] shape) =>
        shape.Length == 2 && parameterName.EndsWith(".weight", StringComparison.Ordinal)
        && !Unquantized.Any(u => parameterName.Contains(u, StringComparison.Ordinal));

    public Tensor RoundTrip(Tensor weightFloat32)
    {
        using var quantized = BlockwiseQuantizer.Quantize(weightFloat32, Options);
        using var dequantized = BlockwiseQuantizer.Dequantize(quantized, Options.ComputeDType);
        return dequantized.to_type(ScalarType.Float32);
    }
}
