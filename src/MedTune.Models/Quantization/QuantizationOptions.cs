using static TorchSharp.torch;

namespace MedTune.Models.Quantization;

/// <summary>The 4-bit data types of bitsandbytes.</summary>
public enum QuantizationType
{
    /// <summary>4-bit NormalFloat (QLoRA): 16 quantiles of N(0, 1) scaled to [-1, 1].</summary>
    Nf4,
    /// <summary>bitsandbytes' 4-bit float: sign bit, 2 exponent bits, 1 mantissa bit, scaled to [-1, 1].</summary>
    Fp4,
}

/// <summary>
/// How frozen linear weights are stored in 4 bit, as bitsandbytes' <c>BitsAndBytesConfig</c>
/// (<c>bnb_4bit_quant_type</c>, <c>bnb_4bit_use_double_quant</c>, <c>blocksize</c>, <c>bnb_4bit_compute_dtype</c>).
/// </summary>
/// <param name="BlockSize">Weights per absmax block: 32, 64 (bitsandbytes' default), 128, …, 4096.</param>
/// <param name="ComputeDType">dtype the weight is dequantized to for each matmul.</param>
public sealed record QuantizationOptions(QuantizationType Type, bool DoubleQuant = false, int BlockSize = 64, ScalarType ComputeDType = ScalarType.BFloat16)
{
    /// <summary>Block size of the second (8-bit) quantization of the absmax constants.</summary>
    public const int NestedBlockSize = 256;

    /// <summary>Block sizes bitsandbytes accepts for 4-bit quantization.</summary>
    public static readonly IReadOnlyList<int> SupportedBlockSizes = [32, 64, 128, 256, 512, 1024, 2048, 4096];

    public void Validate()
    {
        if (!SupportedBlockSizes.Contains(BlockSize))
            throw new ArgumentException($"quantization block_size {BlockSize} is not supported; use one of {string.Join(", ", SupportedBlockSizes)} (bitsandbytes' sizes).");
        if (ComputeDType is not (ScalarType.BFloat16 or ScalarType.Float16 or ScalarType.Float32))
            throw new ArgumentException($"quantization compute dtype {ComputeDType} is not supported; use bfloat16, float16 or float32.");
    }

    /// <summary>Parses the manifest's names (<c>nf4</c>/<c>fp4</c>, <c>bfloat16</c>/<c>float16</c>/<c>float32</c>).</summary>
    public static QuantizationOptions FromNames(string type, bool doubleQuant, int blockSize, string computeDtype) => new(
        type switch
        {
            "nf4" => QuantizationType.Nf4,
            "fp4" => QuantizationType.Fp4,
            _ => throw new ArgumentException($"quantization type '{type}' is not a 4-bit type (nf4, fp4)."),
        },
        doubleQuant,
        blockSize,
        computeDtype switch
        {
            "bfloat16" => ScalarType.BFloat16,
            "float16" => ScalarType.Float16,
            "float32" => ScalarType.Float32,
            _ => throw new ArgumentException($"quantization compute_dtype '{computeDtype}' is not supported (bfloat16, float16, float32)."),
        });
}
