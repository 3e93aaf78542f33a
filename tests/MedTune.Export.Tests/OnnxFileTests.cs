using System.Diagnostics;
using System.Text.Json.Nodes;
using MedTune.Inference;
using MedTune.Manifest;
using MedTune.Pipeline;
using MedTune.Testing;
using Xunit.Abstractions;

namespace MedTune.Export.Tests;

public sealed class OnnxFileTests(ITestOutputHelper output)
{
    private static readonly long[][] Prompts = [[1, 4, 9, 16], [1, 2]];

    [Fact]
    [Trait("Category", "SystemTools")]
    public void Plain_opset_17_exports_pass_the_onnx_checker_with_ir_version_8()
    {
        var python = SystemTools.RequirePython("onnx", "python3-onnx"); // fails, never skips, without it
        using var llama = new TempDirectory();
        using var neox = new TempDirectory();
        TinyCheckpoints.WriteLlama(llama.File("ckpt"), 11, new TinyCheckpoints.LlamaShape { Bias = true, Tied = true });
        TinyCheckpoints.WriteNeoX(neox.File("ckpt"), 12, new TinyCheckpoints.NeoXShape());
        foreach (var (dir, precision) in new[] { (llama, ExportPrecision.Fp32), (neox, ExportPrecision.Fp16), (llama, ExportPrecision.Int4) })
        {
            var outDir = dir.File("onnx-" + precision);
            var result = OnnxExporter.Export(dir.File("ckpt"), outDir, new ExportOptions { Opset = 17, Precision = precision });
            Assert.Equal(8, result.IrVersion);
            var (code, text) = RunPython(python,
                $"import onnx; m = onnx.load(r'{result.ModelPath}'); onnx.checker.check_model(m, full_check=True); print('ir', m.ir_version, 'opset', [(o.domain, o.version) for o in m.opset_import])");
            output.WriteLine($"{precision}: {text}");
            Assert.True(code == 0, $"onnx.checker rejected the {precision} export: {text}");
        }
    }

    [Fact]
    public void Large_initializers_move_to_an_external_data_file_that_onnx_runtime_reads()
    {
        using var checkpoint = new TempDirectory();
        TinyCheckpoints.WriteLlama(checkpoint.Path, 13, new TinyCheckpoints.LlamaShape());
        using var inline = new TempDirectory();
        using var external = new TempDirectory();
        var inlineResult = OnnxExporter.Export(checkpoint.Path, inline.Path, new ExportOptions());
        var externalResult = OnnxExporter.Export(checkpoint.Path, external.Path, new ExportOptions { ExternalDataThresholdBytes = 1000 });

        Assert.False(File.Exists(inline.File("model.onnx.data")));
        Assert.True(File.Exists(external.File("model.onnx.data")));
        Assert.True(externalResult.ExternalDataBytes > 0);
        Assert.True(externalResult.ModelBytes < inlineResult.ModelBytes / 2);
        Assert.Empty(Directory.GetFiles(external.Path, "*.tmp"));

        using var a = new OnnxDecoderModel(inline.Path, "cpu");
        using var b = new OnnxDecoderModel(external.Path, "cpu");
        var reference = new ReferenceDecoder(checkpoint.Path);
        var first = DecoderParityHarness.Run(a, reference, Prompts, 2);
        var second = DecoderParityHarness.Run(b, reference, Prompts, 2);
        Assert.Equal(first.GreedyTokens.Select(t => string.Join(",", t)), second.GreedyTokens.Select(t => string.Join(",", t)));
        Assert.InRange(second.MaxPromptError, 0, 1e-4);
    }

    [Fact]
    public void Export_writes_genai_config_and_copies_tokenizer_files()
    {
        using var checkpoint = new TempDirectory();
        TinyCheckpoints.WriteLlama(checkpoint.Path, 14, new TinyCheckpoints.LlamaShape());
        File.WriteAllText(checkpoint.File("tokenizer.json"), "{}");
        File.WriteAllText(checkpoint.File("tokenizer_config.json"), "{}");
        using var exported = new TempDirectory();
        var result = OnnxExporter.Export(checkpoint.Path, exported.Path, new ExportOptions());

        Assert.Contains("tokenizer.json", result.CopiedFiles);
        Assert.True(File.Exists(exported.File("tokenizer_config.json")));
        var genai = JsonNode.Parse(File.ReadAllText(exported.File("genai_config.json")))!;
        Assert.Equal("llama", genai["model"]!["type"]!.GetValue<string>());
        Assert.Equal(2, genai["model"]!["decoder"]!["num_key_value_heads"]!.GetValue<int>());
        Assert.Equal(2, genai["model"]!["eos_token_id"]!.GetValue<int>());
        Assert.Equal("past_key_values.%d.key", genai["model"]!["decoder"]!["inputs"]!["past_key_names"]!.GetValue<string>());
    }

    [Fact]
    public void Missing_weight_is_reported_by_name()
    {
        using var checkpoint = new TempDirectory();
        using var broken = new TempDirectory();
        TinyCheckpoints.WriteLlama(checkpoint.Path, 15, new TinyCheckpoints.LlamaShape());
        CheckpointTransforms.Drop(checkpoint.Path, broken.Path, "model.layers.1.mlp.up_proj.weight");
        using var exported = new TempDirectory();
        var error = Assert.ThrowsAny<Exception>(() => OnnxExporter.Export(broken.Path, exported.Path, new ExportOptions()));
        Assert.Contains("model.layers.1.mlp.up_proj.weight", error.Message);
    }

    [Fact]
    public void Unknown_precision_and_old_opset_are_refused_with_the_fix()
    {
        Assert.Contains("fp32, fp16 or int4", Assert.Throws<ArgumentException>(() => ExportOptions.ParsePrecision("int8")).Message);
        using var checkpoint = new TempDirectory();
        TinyCheckpoints.WriteLlama(checkpoint.Path, 16, new TinyCheckpoints.LlamaShape());
        using var exported = new TempDirectory();
        Assert.Contains("opset 17", Assert.Throws<ArgumentException>(() => OnnxExporter.Export(checkpoint.Path, exported.Path, new ExportOptions { Opset = 13 })).Message);
    }

    [Fact]
    public async Task Export_stage_writes_into_its_output_directory_and_records_facts()
    {
        using var work = new TempDirectory();
        TinyCheckpoints.WriteNeoX(work.File("merged"), 17, new TinyCheckpoints.NeoXShape());
        var manifest = new ExperimentManifest { Name = "t", Export = new ExportSection { Opset = 17, Precision = "fp16" } };
        var stage = new ExportStage(manifest, ModelReference.FromStage("merge"), "{{ .Prompt }}", []);
        Directory.CreateDirectory(work.File("out"));
        var context = new StageContext
        {
            StageName = "export-tuned", Key = "k", OutputDirectory = work.File("out"), WorkDirectory = work.File("work"),
            UpstreamOutputs = new Dictionary<string, string> { ["merge"] = work.File("merged") }, Seed = 1,
            Reporter = SilentStageReporter.Instance,
        };
        await stage.RunAsync(context, CancellationToken.None);

        Assert.Equal("export", stage.Kind);
        Assert.True(File.Exists(Path.Combine(context.OutputDirectory, "model.onnx")));
        Assert.Equal(8L, context.RecordFacts["ir_version"]!.GetValue<long>());
        Assert.Equal("fp16", context.RecordFacts["precision"]!.GetValue<string>());
        Assert.Equal("""{"opset":17,"precision":"fp16"}""", ExportStage.ConfigFor(manifest, "{{ .Prompt }}", []).ToJsonString());
    }

    [Fact]
    public void Cuda_device_falls_back_to_cpu_on_auto_and_fails_clearly_when_demanded_without_a_cuda_build()
    {
        using var checkpoint = new TempDirectory();
        TinyCheckpoints.WriteLlama(checkpoint.Path, 18, new TinyCheckpoints.LlamaShape());
        using var exported = new TempDirectory();
        OnnxExporter.Export(checkpoint.Path, exported.Path, new ExportOptions());
        using var auto = new OnnxDecoderModel(exported.Path, "auto");
        output.WriteLine($"auto -> {auto.ExecutionProvider}");
        Assert.Contains(auto.ExecutionProvider, new[] { "CPU", "CUDA" });
        if (auto.ExecutionProvider == "CPU")
            Assert.Contains("CUDA execution provider is unavailable", Assert.Throws<ExecutionProviderUnavailableException>(() => new OnnxDecoderModel(exported.Path, "cuda")).Message);
        Assert.Throws<FileNotFoundException>(() => new OnnxDecoderModel(checkpoint.File("nothing-here"), "cpu"));
    }

    private static (int Code, string Text) RunPython(string python, string code)
    {
        var info = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(code);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, (stdout.Result + stderr).Trim());
    }
}
