using MedTune.Inference;
using MedTune.Testing;
using Microsoft.ML.OnnxRuntimeGenAI;
using Xunit.Abstractions;

namespace MedTune.Export.Tests;

/// <summary>The exported directory runs in ONNX Runtime GenAI and decodes greedily like <see cref="OnnxDecoderModel"/>.</summary>
public sealed class GenAiCompatibilityTests(ITestOutputHelper output)
{
    private const int NewTokens = 10;

    [Theory]
    [InlineData("llama")]
    [InlineData("gpt_neox")]
    [InlineData("llama-fused")]
    public void GenAi_generates_the_same_greedy_tokens_as_OnnxDecoderModel(string family)
    {
        using var checkpoint = new TempDirectory();
        if (family.StartsWith("llama")) TinyCheckpoints.WriteLlama(checkpoint.Path, 21, new TinyCheckpoints.LlamaShape());
        else TinyCheckpoints.WriteNeoX(checkpoint.Path, 22, new TinyCheckpoints.NeoXShape());
        using var exported = new TempDirectory();
        var fused = family.EndsWith("-fused");
        OnnxExporter.Export(checkpoint.Path, exported.Path, new ExportOptions { FusedOperators = fused, Opset = fused ? 23 : 17 });
        long[] prompt = [1, 7, 30, 12, 5];

        List<long> ours;
        using (var model = new OnnxDecoderModel(exported.Path, "cpu"))
            ours = DecoderParityHarness.Run(model, new ReferenceDecoder(checkpoint.Path), [prompt], NewTokens).GreedyTokens[0];

        // Our builtin tokenizers are not GenAI's concern here: token ids go in directly.
        using var genAiModel = new Model(exported.Path);
        using var parameters = new GeneratorParams(genAiModel);
        parameters.SetSearchOption("max_length", prompt.Length + NewTokens);
        parameters.SetSearchOption("do_sample", false);
        using var generator = new Generator(genAiModel, parameters);
        generator.AppendTokens(prompt.Select(t => (int)t).ToArray());
        while (!generator.IsDone()) generator.GenerateNextToken();
        var theirs = generator.GetSequence(0).ToArray().Skip(prompt.Length).Select(t => (long)t).ToList();
        output.WriteLine($"ours={string.Join(",", ours)} genai={string.Join(",", theirs)}");

        // GenAI stops at the EOS id from genai_config.json; compare up to there.
        var eos = family.StartsWith("llama") ? 2 : 0;
        var stop = ours.IndexOf(eos);
        var expected = stop < 0 ? ours : ours.Take(stop + 1).ToList();
        Assert.Equal(expected, theirs);
    }
}
