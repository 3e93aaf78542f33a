using System.Text.Json.Nodes;
using MedTune.Checkpoints;
using MedTune.Models.Quantization;
using MedTune.Testing;
using static TorchSharp.torch;

namespace MedTune.Models.Tests.Quantization;

/// <summary>
/// Fixtures/quantization/bnb_4bit_golden.safetensors, written by eng/reference/bnb_4bit_reference.py (an independent
/// NumPy implementation of bitsandbytes' published algorithm): per case the input weight, the 4-bit codes, the absmax
/// constants (or their double-quantized form) and the dequantized weight in float32, bfloat16 and float16.
/// </summary>
internal sealed class GoldenFixture : IDisposable
{
    private readonly SafetensorsFile _file;

    public GoldenFixture()
    {
        _file = SafetensorsFile.Open(Path.Combine(SharedData.RepoRoot, "tests", "MedTune.Models.Tests", "Fixtures", "quantization", "bnb_4bit_golden.safetensors"));
        Cases = (JsonObject)JsonNode.Parse(_file.Metadata["cases"])!;
    }

    public static readonly TheoryData<string> CaseNames = new()
    {
        "nf4_b64", "fp4_b64", "nf4_b64_dq", "fp4_b128_dq", "nf4_b32_odd", "nf4_b64_dq_bf16",
    };

    public JsonObject Cases { get; }

    public QuantizationOptions Options(string name)
    {
        var c = Cases[name]!;
        return QuantizationOptions.FromNames(c["type"]!.GetValue<string>(), c["double_quant"]!.GetValue<bool>(), c["block_size"]!.GetValue<int>(), "float32");
    }

    public bool Has(string tensor) => _file.Tensors.ContainsKey(tensor);

    public byte[] Bytes(string tensor) => _file.ReadBytes(tensor);

    public float[] Floats(string tensor) => _file.ReadFloat32(tensor);

    /// <summary>The stored tensor as a torch tensor of its own dtype.</summary>
    public Tensor Tensor(string tensorName)
    {
        var info = _file.Info(tensorName);
        var dtype = info.DType switch
        {
            TensorDType.F32 => ScalarType.Float32,
            TensorDType.BF16 => ScalarType.BFloat16,
            TensorDType.F16 => ScalarType.Float16,
            TensorDType.U8 => ScalarType.Byte,
            _ => throw new InvalidOperationException(info.DType.ToString()),
        };
        var result = empty(info.Shape, dtype);
        _file.CopyBytes(tensorName, result.bytes);
        return result;
    }

    public void Dispose() => _file.Dispose();
}
