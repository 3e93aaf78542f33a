using System.Text.Json.Nodes;
using MedTune.Checkpoints.Tokenization;
using MedTune.Manifest;
using MedTune.Models;
using MedTune.Pipeline;
using MedTune.Testing;
using static TorchSharp.torch;

namespace MedTune.Training.Tests;

public class StageTests
{
    private static ExperimentManifest Manifest(string dataPath, params string[] targets) => new()
    {
        Name = "stage-test",
        Seed = 5,
        Lora = new LoraSection { R = 4, Alpha = 8, Dropout = 0.05, TargetModules = targets.Length > 0 ? targets.ToList() : ["q_proj", "v_proj"] },
        Datasets = new DatasetsSection { Train = [new DatasetSpec { Path = dataPath, ResolvedPath = dataPath }] },
        Train = new TrainSection { MaxSteps = 4, LearningRate = 1e-2, BatchSize = 2, MaxSeqLength = 96, CheckpointEvery = 2, Scheduler = "linear" },
    };

    private static StageContext Context(string root, string name, IReadOnlyDictionary<string, string>? upstream = null)
    {
        var output = Path.Combine(root, name + "-out");
        var work = Path.Combine(root, name + "-work");
        Directory.CreateDirectory(output);
        Directory.CreateDirectory(work);
        return new StageContext
        {
            StageName = name, Key = new string('0', 64), OutputDirectory = output, WorkDirectory = work,
            UpstreamOutputs = upstream ?? new Dictionary<string, string>(), Seed = 5, Reporter = SilentStageReporter.Instance,
        };
    }

    private static string WriteData(string root)
    {
        var path = Path.Combine(root, "train.jsonl");
        File.WriteAllLines(path,
        [
            """{"instruction": "次の症状から考えられる疾患を答えなさい。", "input": "発熱と咳が続く。", "output": "肺炎"}""",
            """{"instruction": "略語の意味を答えなさい。", "input": "CRP", "output": "C反応性蛋白"}""",
            """{"instruction": "正常な体温の範囲は？", "input": "", "output": "36度から37度程度"}""",
            """{"instruction": "心臓の部屋の数は？", "input": "", "output": "四つ"}""",
            """{"instruction": "糖尿病で上昇する検査値は？", "input": "", "output": "HbA1c"}""",
        ]);
        return path;
    }

    [Fact]
    public async Task Train_then_merge_gives_a_model_whose_logits_equal_base_plus_adapter()
    {
        using var root = new TempDirectory();
        var baseDirectory = TinyCheckpoints.Llama(root.Path);
        var manifest = Manifest(WriteData(root.Path), "all-linear");

        var trainContext = Context(root.Path, "train");
        await new TrainStage(manifest, ModelReference.FromPath(baseDirectory)).RunAsync(trainContext, default);
        foreach (var file in new[] { "adapter_config.json", "adapter_model.safetensors", "train_log.jsonl", "train_metrics.json" })
            Assert.True(File.Exists(Path.Combine(trainContext.OutputDirectory, file)), file);
        Assert.Equal(4, File.ReadAllLines(Path.Combine(trainContext.OutputDirectory, "train_log.jsonl")).Length);
        Assert.Equal(5, trainContext.RecordFacts["train_examples"]!.GetValue<int>());
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(trainContext.OutputDirectory, "adapter_config.json")))!;
        Assert.Equal(["down_proj", "gate_proj", "k_proj", "o_proj", "q_proj", "up_proj", "v_proj"],
            config["target_modules"]!.AsArray().Select(n => n!.GetValue<string>()));

        var mergeContext = Context(root.Path, "merge", new Dictionary<string, string> { ["train"] = trainContext.OutputDirectory });
        await new MergeStage(manifest, ModelReference.FromPath(baseDirectory), "train").RunAsync(mergeContext, default);
        Assert.Equal(14, mergeContext.RecordFacts["merged_projections"]!.GetValue<int>());
        Assert.True(File.Exists(Path.Combine(mergeContext.OutputDirectory, "tokenizer.model")));

        var tokenizer = TextTokenizer.Load(mergeContext.OutputDirectory);
        using var ids = tensor(tokenizer.Encode("発熱と咳が続く。考えられる疾患は").Select(i => (long)i).ToArray()).unsqueeze(0);
        using var merged = ModelLoader.Load(mergeContext.OutputDirectory);
        using var mergedLogits = merged.Forward(ids);
        using var adapted = ModelLoader.Load(baseDirectory);
        using var adapter = LoraAdapter.Load(trainContext.OutputDirectory, adapted);
        using var adaptedLogits = adapted.Forward(ids);
        using var baseOnly = ModelLoader.Load(baseDirectory);
        using var baseLogits = baseOnly.Forward(ids);

        Assert.True((mergedLogits - adaptedLogits).abs().max().item<float>() <= 1e-5);
        Assert.True((adaptedLogits - baseLogits).abs().max().item<float>() > 1e-4, "training should have changed the model");
    }

    [Fact]
    public async Task Train_stage_is_deterministic_and_resumes_from_its_work_directory()
    {
        using var root = new TempDirectory();
        var baseDirectory = TinyCheckpoints.Llama(root.Path);
        var manifest = Manifest(WriteData(root.Path));

        var first = Context(root.Path, "first");
        await new TrainStage(manifest, ModelReference.FromPath(baseDirectory)).RunAsync(first, default);
        var second = Context(root.Path, "second");
        await new TrainStage(manifest, ModelReference.FromPath(baseDirectory)).RunAsync(second, default);
        Assert.Equal(File.ReadAllBytes(Path.Combine(first.OutputDirectory, "adapter_model.safetensors")),
                     File.ReadAllBytes(Path.Combine(second.OutputDirectory, "adapter_model.safetensors")));

        // A third run in the first run's work directory finds the finished checkpoint and trains nothing.
        var third = new StageContext
        {
            StageName = "train", Key = first.Key, OutputDirectory = Path.Combine(root.Path, "third-out"), WorkDirectory = first.WorkDirectory,
            UpstreamOutputs = first.UpstreamOutputs, Seed = 5, Reporter = SilentStageReporter.Instance,
        };
        Directory.CreateDirectory(third.OutputDirectory);
        await new TrainStage(manifest, ModelReference.FromPath(baseDirectory)).RunAsync(third, default);
        Assert.Equal(4, third.RecordFacts["resumed_from_step"]!.GetValue<int>());
        // Everything hashed into the output is reproducible; only the unhashed timing file may differ.
        foreach (var file in new[] { "train_log.jsonl", "train_metrics.json", "adapter_config.json" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(first.OutputDirectory, file)), File.ReadAllBytes(Path.Combine(second.OutputDirectory, file)));
        Assert.True(File.Exists(Path.Combine(first.OutputDirectory, ".medtune-train-timing.jsonl")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(first.OutputDirectory, "adapter_model.safetensors")),
                     File.ReadAllBytes(Path.Combine(third.OutputDirectory, "adapter_model.safetensors")));
    }

    [Fact]
    public void Config_covers_training_inputs_but_not_evaluation()
    {
        var manifest = Manifest("data/train.jsonl");
        var before = CanonicalJson.Serialize(TrainStage.ConfigFor(manifest));
        manifest.Evaluate.Shots = 3;
        manifest.Report.Title = "changed";
        Assert.Equal(before, CanonicalJson.Serialize(TrainStage.ConfigFor(manifest)));
        manifest.Lora.R = 16;
        Assert.NotEqual(before, CanonicalJson.Serialize(TrainStage.ConfigFor(manifest)));
        Assert.Contains("\"path\":\"data/train.jsonl\"", before);
    }

    [Theory]
    [InlineData("llama", new[] { "q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj" }, 14)]
    [InlineData("neox", new[] { "query_key_value", "dense", "dense_h_to_4h", "dense_4h_to_h" }, 8)]
    [InlineData("neox", new[] { "all-linear" }, 8)]
    public void Target_names_of_both_families_resolve(string family, string[] targets, int expected)
    {
        using var root = new TempDirectory();
        var directory = family == "llama" ? TinyCheckpoints.Llama(root.Path) : TinyCheckpoints.NeoX(root.Path);
        using var model = ModelLoader.Load(directory);
        using var lora = LoraInjector.Apply(model, new LoraSection { R = 2, TargetModules = targets.ToList() }, seed: 1);
        Assert.Equal(expected, lora.Layers.Count);
        Assert.DoesNotContain(lora.Layers, l => l.Path is "lm_head" or "embed_out");
    }

    [Fact]
    public void A_llama_adapter_is_refused_by_a_neox_base()
    {
        using var root = new TempDirectory();
        using (var llama = ModelLoader.Load(TinyCheckpoints.Llama(root.Path)))
        using (var lora = LoraInjector.Apply(llama, new LoraSection { R = 2 }, seed: 1))
            LoraAdapter.Save(lora, Path.Combine(root.Path, "adapter"), "tiny-llama");
        using var neox = ModelLoader.Load(TinyCheckpoints.NeoX(root.Path));
        var error = Assert.Throws<LoraAdapterException>(() => LoraAdapter.Load(Path.Combine(root.Path, "adapter"), neox));
        Assert.Contains("model.layers.0.self_attn.q_proj", error.Message);
        Assert.Contains("GptNeoX", error.Message);
    }
}
