using MedTune.Inference;
using MedTune.Models;
using MedTune.Testing;
using Xunit.Abstractions;

namespace MedTune.Export.Tests;

/// <summary>ONNX Runtime on the exported graph against the TorchSharp models (MedTune.Models) on the same checkpoint.</summary>
public sealed class TorchSharpParityTests(ITestOutputHelper output)
{
    private static readonly long[][] Prompts = [[1, 5, 9, 3, 17, 42, 8, 11], [1, 33, 2], [1, 60, 61, 7, 7, 40]];
    private const int DecodeSteps = 10;

    private DecoderComparison.Result Compare(string checkpoint, ExportOptions options)
    {
        using var exported = new TempDirectory();
        OnnxExporter.Export(checkpoint, exported.Path, options);
        using var onnx = new OnnxDecoderModel(exported.Path, "cpu");
        using var torchModel = new TorchDecoderModel(ModelLoader.Load(checkpoint));
        var result = DecoderComparison.Compare(onnx, torchModel, Prompts, DecodeSteps);
        output.WriteLine($"{options.Precision}: ORT vs TorchSharp max |Δlogit| prompt={result.MaxPromptError:E2} decode={result.MaxDecodeError:E2}; " +
                         $"greedy ORT={string.Join(",", result.GreedyA[0])} torch={string.Join(",", result.GreedyB[0])}");
        return result;
    }

    private static void AssertGreedyEqual(DecoderComparison.Result result)
    {
        for (var r = 0; r < result.GreedyA.Length; r++) Assert.Equal(result.GreedyB[r], result.GreedyA[r]);
    }

    [Fact]
    public void Llama_gqa_fp32_logits_match_TorchSharp_within_1e_minus_4_and_greedy_is_identical()
    {
        using var checkpoint = new TempDirectory();
        TinyCheckpoints.WriteLlama(checkpoint.Path, 31, new TinyCheckpoints.LlamaShape { Bias = true });
        var result = Compare(checkpoint.Path, new ExportOptions());
        Assert.InRange(result.MaxPromptError, 0, 1e-4);
        Assert.InRange(result.MaxDecodeError, 0, 1e-4);
        AssertGreedyEqual(result);
    }

    [Fact]
    public void GptNeoX_fp32_logits_match_TorchSharp_within_1e_minus_4_and_greedy_is_identical()
    {
        using var checkpoint = new TempDirectory();
        TinyCheckpoints.WriteNeoX(checkpoint.Path, 32, new TinyCheckpoints.NeoXShape());
        var result = Compare(checkpoint.Path, new ExportOptions());
        Assert.InRange(result.MaxPromptError, 0, 1e-4);
        Assert.InRange(result.MaxDecodeError, 0, 1e-4);
        AssertGreedyEqual(result);
    }

    [Fact]
    public void Fp16_export_stays_within_1e_minus_2_of_TorchSharp_float32()
    {
        using var checkpoint = new TempDirectory();
        TinyCheckpoints.WriteLlama(checkpoint.Path, 33, new TinyCheckpoints.LlamaShape());
        var result = Compare(checkpoint.Path, new ExportOptions { Precision = ExportPrecision.Fp16 });
        Assert.InRange(result.MaxPromptError, 0, 1e-2);
        Assert.InRange(result.MaxDecodeError, 0, 1e-2);
    }
}
