using MedTune.Testing;

namespace MedTune.Cli.Tests;

/// <summary>
/// The real IgakuQA questions (from <c>MEDTUNE_SHARED_DATA</c> or <c>../shared/data</c>) through export → evaluate → report
/// with the builtin base model: the report must count exactly the questions the usual filter keeps.
/// </summary>
[Trait("Category", "EndToEnd")]
[Trait("Category", "SharedData")]
public sealed class IgakuQaEndToEndTests
{
    [Fact]
    public async Task Base_model_on_text_only_five_option_igakuqa_reports_1455_questions()
    {
        var igakuqa = SharedData.Require("igakuqa");
        using var dir = new TempDirectory();
        var manifest = dir.File("igakuqa-base.yaml");
        File.WriteAllText(manifest, $"""
            name: igakuqa-base
            model:
              base: builtin:tiny-llama
            datasets:
              eval:
                - name: igakuqa
                  path: {igakuqa}
                  format: exam
                  filters: {"{"}text_only: true, choices: 5, years: [2018, 2019, 2020, 2021, 2022]{"}"}
            evaluate:
              models: [base]
              decoding: {"{"}max_new_tokens: 8{"}"}
              batch_size: 16
            """);

        var result = await CliRunner.RunAsync("run", manifest, "--cache", dir.File("cache"));

        Assert.True(result.ExitCode == 0, result.Output);
        var report = QuickstartEndToEndTests.ReadReport(dir.File("cache"));
        var dataset = report["datasets"]![0]!;
        Assert.Equal(1455, (int)dataset["questions"]!);
        Assert.Contains("1455 of 2000", (string)dataset["filter"]!);
    }
}
