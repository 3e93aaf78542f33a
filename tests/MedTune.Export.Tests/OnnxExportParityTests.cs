using System.Text.Json.Nodes;
using MedTune.Inference;
using MedTune.Testing;
using Xunit.Abstractions;

namespace MedTune.Export.Tests;

public sealed class OnnxExportParityTests(ITestOutputHelper output)
{
    private const double Fp32Tolerance = 1e-4;

    // Three rows of different lengths, so two are left-padded in the prompt pass.
    private static readonly long[][] Prompts = [[1, 5, 9, 3, 17, 42, 8], [1, 33, 2], [1, 60, 61, 7, 7]];

    private DecoderParityHarness.Result ExportAndCompare(string checkpoint, ExportOptions options, int decodeSteps = 8)
    {
        using var exported = new TempDirectory();
        var result = OnnxExporter.Export(checkpoint, exported.Path, options);
        output.WriteLine($"ir={result.IrVersion} opset={result.Opset} bytes={result.ModelBytes} ops={string.Join(",", result.OperatorTypes)}");
        using var model = new OnnxDecoderModel(exported.Path, "cpu");
        var parity = DecoderParityHarness.Run(model, new ReferenceDecoder(checkpoint), Prompts, decodeSteps);
        output.WriteLine($"max |Δlogit| prompt={parity.MaxPromptError:E2} decode={parity.MaxDecodeError:E2}");
        return parity;
    }

    private static void AssertExact(DecoderParityHarness.Result parity)
    {
        Assert.InRange(parity.MaxPromptError, 0, Fp32Tolerance);
        Assert.InRange(parity.MaxDecodeError, 0, Fp32Tolerance);
        for (var b = 0; b < parity.GreedyTokens.Length; b++)
            Assert.Equal(parity.ReferenceGreedyTokens[b], parity.GreedyTokens[b]);
    }

    [Fact]
    public void Llama_with_grouped_query_attention_matches_reference_through_padded_prompt_and_cached_decoding()
    {
        using var checkpoint = new TempDirectory();
        TinyCheckpoints.WriteLlama(checkpoint.Path, seed: 1, new TinyCheckpoints.LlamaShape());
        AssertExact(ExportAndCompare(checkpoint.Path, new ExportOptions()));
    }

    [Fact]
    public void Llama_with_biases_tied_head_and_llama3_rope_scaling_matches_reference()
    {
        using var checkpoint = new TempDirectory();
        var scaling = new JsonObject
        {
            ["rope_type"] = "llama3", ["factor"] = 8.0, ["low_freq_factor"] = 1.0, ["high_freq_factor"] = 4.0,
            ["original_max_position_embeddings"] = 16,
        };
        TinyCheckpoints.WriteLlama(checkpoint.Path, seed: 2,
            new TinyCheckpoints.LlamaShape { Bias = true, Tied = true, RopeScaling = scaling, KeyValueHeads = 1, RopeTheta = 500 });
        AssertExact(ExportAndCompare(checkpoint.Path, new ExportOptions { Opset = 18 }));
    }

    [Fact]
    public void Llama_with_linear_rope_scaling_at_opset_21_matches_reference()
    {
        using var checkpoint = new TempDirectory();
        TinyCheckpoints.WriteLlama(checkpoint.Path, seed: 3,
            new TinyCheckpoints.LlamaShape { KeyValueHeads = 4, RopeScaling = new JsonObject { ["type"] = "linear", ["factor"] = 2.0 } });
        AssertExact(ExportAndCompare(checkpoint.Path, new ExportOptions { Opset = 21 }));
    }

    [Fact]
    public void GptNeoX_with_partial_rotary_and_parallel_residual_matches_reference()
    {
        using var checkpoint = new TempDirectory();
        TinyCheckpoints.WriteNeoX(checkpoint.Path, seed: 4, new TinyCheckpoints.NeoXShape());
        AssertExact(ExportAndCompare(checkpoint.Path, new ExportOptions()));
    }

    [Fact]
    public void GptNeoX_with_sequential_residual_and_tanh_gelu_matches_reference()
    {
        using var checkpoint = new TempDirectory();
        TinyCheckpoints.WriteNeoX(checkpoint.Path, seed: 5,
            new TinyCheckpoints.NeoXShape { ParallelResidual = false, HiddenAct = "gelu_new", RotaryPct = 0.25 });
        AssertExact(ExportAndCompare(checkpoint.Path, new ExportOptions()));
    }

    [Theory]
    [InlineData("llama")]
    [InlineData("gpt_neox")]
    public void Fused_opset_23_graph_matches_reference(string family)
    {
        using var checkpoint = new TempDirectory();
        if (family == "llama") TinyCheckpoints.WriteLlama(checkpoint.Path, seed: 8, new TinyCheckpoints.LlamaShape { Bias = true });
        else TinyCheckpoints.WriteNeoX(checkpoint.Path, seed: 9, new TinyCheckpoints.NeoXShape());
        AssertExact(ExportAndCompare(checkpoint.Path, new ExportOptions { Opset = 23, FusedOperators = true }));
    }

    [Fact]
    public void Fp16_weights_stay_within_1e_minus_2_of_the_float32_reference()
    {
        using var checkpoint = new TempDirectory();
        TinyCheckpoints.WriteLlama(checkpoint.Path, seed: 6, new TinyCheckpoints.LlamaShape());
        var parity = ExportAndCompare(checkpoint.Path, new ExportOptions { Precision = ExportPrecision.Fp16 });
        Assert.InRange(parity.MaxPromptError, 0, 1e-2);
        Assert.InRange(parity.MaxDecodeError, 0, 1e-2);
    }

    [Fact]
    public void Int4_export_computes_exactly_with_the_dequantised_weights()
    {
        using var checkpoint = new TempDirectory();
        using var dequantised = new TempDirectory();
        TinyCheckpoints.WriteLlama(checkpoint.Path, seed: 7, new TinyCheckpoints.LlamaShape { Hidden = 64, Intermediate = 80 });
        CheckpointTransforms.MapLinearWeights(checkpoint.Path, dequantised.Path,
            (values, rows, columns) => Int4BlockQuantizer.Dequantize(Int4BlockQuantizer.Quantize(values, rows, columns)));
        using var exported = new TempDirectory();
        OnnxExporter.Export(checkpoint.Path, exported.Path, new ExportOptions { Precision = ExportPrecision.Int4 });
        using var model = new OnnxDecoderModel(exported.Path, "cpu");
        var parity = DecoderParityHarness.Run(model, new ReferenceDecoder(dequantised.Path), Prompts, decodeSteps: 3);
        output.WriteLine($"int4 vs dequantised reference: prompt={parity.MaxPromptError:E2} decode={parity.MaxDecodeError:E2}");
        Assert.InRange(parity.MaxPromptError, 0, 1e-3);
        Assert.InRange(parity.MaxDecodeError, 0, 1e-3);

        var cost = DecoderParityHarness.Run(model, new ReferenceDecoder(checkpoint.Path), Prompts, decodeSteps: 3);
        output.WriteLine($"int4 accuracy cost vs float32 weights: max |Δlogit| prompt={cost.MaxPromptError:E2} decode={cost.MaxDecodeError:E2}");
    }
}
