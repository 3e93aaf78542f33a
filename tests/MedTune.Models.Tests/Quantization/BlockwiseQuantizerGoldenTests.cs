using System.Runtime.InteropServices;
using MedTune.Models.Quantization;
using static TorchSharp.torch;

namespace MedTune.Models.Tests.Quantization;

/// <summary>
/// The C# quantizer against the NumPy reference of bitsandbytes' algorithm: identical 4-bit codes, identical absmax
/// constants (float32 bits, or 8-bit codes + scales + offset with double quantization) and bit-identical dequantized
/// weights in float32, bfloat16 and float16. The cases include every decision pivot and its float32 neighbours, -0.0,
/// an all-zero block, a partial last block with an odd element count, a partial nested block and a bfloat16 input.
/// </summary>
public sealed class BlockwiseQuantizerGoldenTests : IDisposable
{
    private readonly GoldenFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public void Code_books_and_pivots_equal_the_reference_tables()
    {
        AssertBitsEqual(_fixture.Floats("tables.nf4"), CodeBooks.Nf4.ToArray(), "NF4 code book");
        AssertBitsEqual(_fixture.Floats("tables.fp4"), CodeBooks.Fp4.ToArray(), "FP4 code book");
        AssertBitsEqual(_fixture.Floats("tables.nf4_pivots"), CodeBooks.Nf4Pivots.ToArray(), "NF4 pivots");
        AssertBitsEqual(_fixture.Floats("tables.fp4_pivots"), CodeBooks.Fp4Pivots.ToArray(), "FP4 pivots");
        AssertBitsEqual(_fixture.Floats("tables.dynamic"), CodeBooks.DynamicMap.ToArray(), "dynamic 8-bit map");
    }

    [Theory]
    [MemberData(nameof(GoldenFixture.CaseNames), MemberType = typeof(GoldenFixture))]
    public void Quantize_gives_the_reference_codes_and_constants(string name)
    {
        using var weight = _fixture.Tensor($"{name}.weight");
        using var quantized = BlockwiseQuantizer.Quantize(weight, _fixture.Options(name));

        Assert.Equal(weight.shape, quantized.Shape);
        Assert.Equal(weight.dtype, quantized.OriginalDType);
        Assert.Equal(_fixture.Bytes($"{name}.codes"), quantized.Codes.bytes.ToArray());
        if (_fixture.Has($"{name}.absmax"))
        {
            Assert.Null(quantized.Nested);
            AssertBitsEqual(_fixture.Floats($"{name}.absmax"), Floats(quantized.Absmax!), "absmax");
        }
        else
        {
            var nested = Assert.IsType<NestedAbsmax>(quantized.Nested);
            Assert.Equal(_fixture.Bytes($"{name}.qabsmax"), nested.Codes.bytes.ToArray());
            AssertBitsEqual(_fixture.Floats($"{name}.absmax2"), Floats(nested.Scales), "nested absmax scales");
            AssertBitsEqual(_fixture.Floats($"{name}.offset"), [nested.Offset], "absmax offset");
        }
    }

    [Theory]
    [MemberData(nameof(GoldenFixture.CaseNames), MemberType = typeof(GoldenFixture))]
    public void Dequantize_gives_the_reference_values_bit_for_bit(string name)
    {
        using var weight = _fixture.Tensor($"{name}.weight");
        using var quantized = BlockwiseQuantizer.Quantize(weight, _fixture.Options(name));
        foreach (var (suffix, dtype) in new[] { ("f32", ScalarType.Float32), ("bf16", ScalarType.BFloat16), ("f16", ScalarType.Float16) })
        {
            using var expected = _fixture.Tensor($"{name}.dequantized_{suffix}");
            // The CPU's one-pass kernel, and the tensor-op path other devices take.
            using var actual = BlockwiseQuantizer.Dequantize(quantized, dtype);
            using var viaTensorOps = BlockwiseQuantizer.DequantizeWithTensorOps(quantized, dtype);
            foreach (var (path, result) in new[] { ("CPU pass", actual), ("tensor ops", viaTensorOps) })
            {
                Assert.Equal(dtype, result.dtype);
                Assert.Equal(expected.shape, result.shape);
                Assert.True(expected.bytes.SequenceEqual(result.contiguous().bytes), $"{name}: dequantized {suffix} ({path}) differs from the reference");
            }
        }
    }

    [Theory]
    [InlineData(QuantizationType.Nf4, true, 64)]
    [InlineData(QuantizationType.Nf4, false, 32)]
    [InlineData(QuantizationType.Fp4, true, 128)]
    public void The_CPU_pass_equals_the_tensor_ops_on_a_weight_of_many_work_items(QuantizationType type, bool doubleQuant, int blockSize)
    {
        // 601 × 999 elements: odd, a partial last block, and several of the CPU pass's parallel work items.
        using var generator = new TorchSharp.torch.Generator(7);
        using var weight = randn([601, 999], generator: generator).mul(0.02);
        using var quantized = BlockwiseQuantizer.Quantize(weight, new QuantizationOptions(type, doubleQuant, blockSize));
        foreach (var dtype in new[] { ScalarType.Float32, ScalarType.BFloat16, ScalarType.Float16 })
        {
            using var expected = BlockwiseQuantizer.DequantizeWithTensorOps(quantized, dtype);
            using var actual = BlockwiseQuantizer.Dequantize(quantized, dtype);
            Assert.Equal(dtype, actual.dtype);
            Assert.True(expected.bytes.SequenceEqual(actual.bytes), $"{type} block {blockSize} {dtype}: the CPU pass differs from the tensor ops");
        }
    }

    [Fact]
    public void Dequantize_defaults_to_the_dtype_that_was_quantized()
    {
        using var weight = _fixture.Tensor("nf4_b64_dq_bf16.weight");
        using var quantized = BlockwiseQuantizer.Quantize(weight, _fixture.Options("nf4_b64_dq_bf16"));
        using var restored = BlockwiseQuantizer.Dequantize(quantized);
        Assert.Equal(ScalarType.BFloat16, restored.dtype);
    }

    [Fact]
    public void Unsupported_block_sizes_are_refused_with_the_supported_ones()
    {
        using var weight = ones(4, 64);
        var error = Assert.Throws<ArgumentException>(() => BlockwiseQuantizer.Quantize(weight, new QuantizationOptions(QuantizationType.Nf4, BlockSize: 48)));
        Assert.Contains("32, 64, 128", error.Message);
    }

    private static float[] Floats(Tensor t) => MemoryMarshal.Cast<byte, float>(t.contiguous().bytes).ToArray();

    private static void AssertBitsEqual(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R}");
    }
}
