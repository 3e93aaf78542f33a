using System.Text.Json.Nodes;
using MedTune.Manifest;
using MedTune.Models;
using MedTune.Testing;
using MedTune.Training;
using static TorchSharp.torch;

namespace MedTune.Cli.Tests;

/// <summary>A base-only experiment on the builtin tiny Llama (no training), its cache shared by the generate tests.</summary>
public sealed class TinyExperimentFixture : IDisposable
{
    private readonly TempDirectory _dir = new();

    public TinyExperimentFixture()
    {
        System.IO.File.Copy(Path.Combine(SharedData.RepoRoot, "experiments", "quickstart", "exam.jsonl"), _dir.File("exam.jsonl"));
        System.IO.File.WriteAllText(Manifest, """
            name: generate-test
            seed: 7
            model:
              base: builtin:tiny-llama
            datasets:
              eval:
                - name: exam
                  path: exam.jsonl
                  format: exam
            evaluate:
              models: [base]
            """);
    }

    public string Manifest => _dir.File("experiment.yaml");
    public string Cache => _dir.File("cache");
    public string File(string name) => _dir.File(name);

    /// <summary>The builtin checkpoint the experiment's base-model stage wrote.</summary>
    public string Checkpoint => Directory.GetDirectories(Path.Combine(Cache, "base-model")).Single();

    public void Dispose() => _dir.Dispose();
}

public sealed class GenerateCommandTests(TinyExperimentFixture fixture) : IClassFixture<TinyExperimentFixture>
{
    private async Task<JsonObject> GenerateJson(params string[] args)
    {
        var result = await CliRunner.RunAsync(["generate", .. args, "--cache", fixture.Cache, "--json"]);
        Assert.True(result.ExitCode == 0, result.Output);
        return JsonNode.Parse(result.Output)!.AsObject();
    }

    [Fact]
    public async Task Generate_json_answers_a_prompt_with_the_experiments_model_greedily_and_reproducibly()
    {
        var first = await GenerateJson(fixture.Manifest, "--model", "base", "--prompt", "糖尿病の三大合併症は？", "--max-new-tokens", "10");
        Assert.Equal(fixture.Manifest + "#base", first["model"]!["source"]!.GetValue<string>());
        Assert.Equal("onnxruntime", first["model"]!["runtime"]!.GetValue<string>());
        Assert.Equal("alpaca_ja", first["template"]!.GetValue<string>());
        Assert.Equal("greedy", first["decoding"]!["strategy"]!.GetValue<string>());
        Assert.Equal(7, first["decoding"]!["seed"]!.GetValue<int>());
        var result = first["results"]!.AsArray().Single()!;
        Assert.Equal("prompt-1", result["id"]!.GetValue<string>());
        Assert.Equal("糖尿病の三大合併症は？", result["prompt"]!.GetValue<string>());
        var tokens = result["token_ids"]!.AsArray().Select(t => t!.GetValue<int>()).ToArray();
        Assert.InRange(tokens.Length, 1, 10);
        Assert.Contains(result["finish_reason"]!.GetValue<string>(), new[] { "length", "eos", "stop" });
        Assert.False(string.IsNullOrEmpty(result["text"]!.GetValue<string>()));

        var again = await GenerateJson(fixture.Manifest, "--prompt", "糖尿病の三大合併症は？", "--max-new-tokens", "10");
        Assert.Equal(first["results"]!.ToJsonString(), again["results"]!.ToJsonString());
    }

    [Fact]
    public async Task Generate_reads_a_file_of_prompts_plain_or_jsonl()
    {
        File.WriteAllText(fixture.File("prompts.txt"), "肺炎の症状は？\n\n高血圧の治療薬は？\n");
        File.WriteAllText(fixture.File("prompts.jsonl"), """
            {"id": "q1", "prompt": "貧血の原因は？"}
            {"instruction": "次の症状の原因を答えよ。", "input": "発熱と咳"}
            """);
        var plain = await GenerateJson(fixture.Manifest, "--prompts", fixture.File("prompts.txt"), "--max-new-tokens", "4");
        Assert.Equal(["prompt-1", "prompt-2"], plain["results"]!.AsArray().Select(r => r!["id"]!.GetValue<string>()));
        var records = await GenerateJson(fixture.Manifest, "--prompt", "最初の質問", "--prompts", fixture.File("prompts.jsonl"), "--max-new-tokens", "4");
        var results = records["results"]!.AsArray();
        Assert.Equal(["prompt-1", "q1", "prompt-3"], results.Select(r => r!["id"]!.GetValue<string>()));
        Assert.Equal("発熱と咳", results[2]!["input"]!.GetValue<string>());
    }

    [Fact]
    public async Task Seeded_sampling_repeats_with_the_same_seed()
    {
        string[] args = [fixture.Manifest, "--prompt", "肺炎の症状は？", "--max-new-tokens", "24", "--temperature", "1.5"];
        var a = await GenerateJson([.. args, "--seed", "1"]);
        var b = await GenerateJson([.. args, "--seed", "1"]);
        var c = await GenerateJson([.. args, "--seed", "2"]);
        Assert.Equal("sample", a["decoding"]!["strategy"]!.GetValue<string>());
        Assert.Equal(a["results"]!.ToJsonString(), b["results"]!.ToJsonString());
        Assert.NotEqual(a["results"]![0]!["token_ids"]!.ToJsonString(), c["results"]![0]!["token_ids"]!.ToJsonString());
    }

    [Fact]
    public async Task A_checkpoint_runs_in_TorchSharp_like_its_ONNX_export_and_an_adapter_changes_it()
    {
        string[] prompt = ["--prompt", "急性心筋梗塞で上昇する検査項目は？", "--max-new-tokens", "12"];
        var onnx = await GenerateJson([fixture.Manifest, .. prompt]);
        var torch = await GenerateJson(["--model-dir", fixture.Checkpoint, .. prompt]);
        Assert.Equal("torchsharp", torch["model"]!["runtime"]!.GetValue<string>());
        Assert.Equal(onnx["results"]![0]!["token_ids"]!.ToJsonString(), torch["results"]![0]!["token_ids"]!.ToJsonString());

        var adapter = fixture.File("adapter");
        WriteRandomAdapter(fixture.Checkpoint, adapter);
        var tuned = await GenerateJson(["--model-dir", fixture.Checkpoint, "--adapter", adapter, .. prompt]);
        Assert.Equal($"{fixture.Checkpoint} + {adapter}", tuned["model"]!["source"]!.GetValue<string>());
        Assert.NotEqual(torch["results"]![0]!["token_ids"]!.ToJsonString(), tuned["results"]![0]!["token_ids"]!.ToJsonString());
    }

    [Theory]
    [InlineData("no prompt", "Nothing to answer")]
    [InlineData("tuned of a base-only experiment", "has no model 'tuned'")]
    [InlineData("adapter on an experiment", "--adapter applies to a checkpoint")]
    [InlineData("unknown template", "--template 'chatml'")]
    [InlineData("missing prompts file", "does not exist")]
    public async Task Bad_options_exit_2_with_the_reason(string problem, string message)
    {
        string[] args = problem switch
        {
            "no prompt" => ["generate", fixture.Manifest],
            "tuned of a base-only experiment" => ["generate", fixture.Manifest, "--model", "tuned", "--prompt", "x"],
            "adapter on an experiment" => ["generate", fixture.Manifest, "--adapter", "/tmp", "--prompt", "x"],
            "unknown template" => ["generate", fixture.Manifest, "--template", "chatml", "--prompt", "x"],
            _ => ["generate", fixture.Manifest, "--prompts", fixture.File("nope.txt")],
        };
        var result = await CliRunner.RunAsync([.. args, "--cache", fixture.Cache]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Output);
    }

    /// <summary>A PEFT adapter on q_proj/v_proj with non-zero B (a fresh LoRA has B = 0 and changes nothing).</summary>
    private static void WriteRandomAdapter(string checkpoint, string directory)
    {
        using var model = ModelLoader.Load(checkpoint);
        using var injection = LoraInjector.Apply(model, new LoraSection { R = 4, Alpha = 8, TargetModules = ["q_proj", "v_proj"] }, seed: 5);
        using (no_grad())
        {
            var generator = new TorchSharp.torch.Generator(11);
            foreach (var (_, layer) in injection.Layers) layer.lora_B.weight!.copy_(randn(layer.lora_B.weight!.shape, generator: generator) * 0.5);
        }
        LoraAdapter.Save(injection, directory, checkpoint);
    }
}
