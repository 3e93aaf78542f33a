using MedTune.Testing;

namespace MedTune.Cli.Tests;

/// <summary><c>export.formats: [onnx, gguf]</c> through <c>medtune run</c>: the export writes the GGUF files and the report names them.</summary>
[Trait("Category", "EndToEnd")]
public sealed class GgufExportEndToEndTests
{
    [Fact]
    public async Task Run_with_gguf_writes_the_files_and_the_report_names_them()
    {
        using var dir = new TempDirectory();
        File.Copy(Path.Combine(SharedData.RepoRoot, "experiments", "quickstart", "exam.jsonl"), dir.File("exam.jsonl"));
        File.WriteAllText(dir.File("gguf.yaml"), """
            name: gguf-e2e
            model:
              base: builtin:tiny-neox
            datasets:
              eval:
                - {name: exam, path: exam.jsonl, format: exam}
            export:
              formats: [onnx, gguf]
            evaluate:
              models: [base]
              decoding: {max_new_tokens: 8}
            """);
        var result = await CliRunner.RunAsync("run", dir.File("gguf.yaml"), "--cache", dir.File("cache"), "--quiet");
        Assert.True(result.ExitCode == 0, result.Output);

        var export = Directory.GetDirectories(dir.File("cache/export")).Single();
        foreach (var file in new[] { "model.onnx", "model-f16.gguf", "model-q8_0.gguf", "Modelfile" })
            Assert.True(File.Exists(Path.Combine(export, file)), file);
        Assert.Contains("### 応答：", File.ReadAllText(Path.Combine(export, "Modelfile")));
        var report = File.ReadAllText(Directory.GetFiles(dir.File("cache/report"), "report.md", SearchOption.AllDirectories).Single());
        Assert.Contains($"`export-base` wrote `model-f16.gguf`, `model-q8_0.gguf`, `Modelfile` in `export/{Path.GetFileName(export)}/`", report);
    }
}
