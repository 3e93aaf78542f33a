using System.Text.Json.Nodes;
using MedTune.Checkpoints;
using MedTune.Testing;
using static TorchSharp.torch;

namespace MedTune.Models.Tests;

public class LoaderAndSaverTests
{
    private static string FixtureCopy(TempDirectory temp, string name = "tiny-llama-gqa")
    {
        var target = temp.File(name);
        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(Fixtures.Directory(name)))
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        return target;
    }

    [Theory]
    [MemberData(nameof(Fixtures.Names), MemberType = typeof(Fixtures))]
    public void Load_then_save_reproduces_the_weights_byte_for_byte(string name)
    {
        using var temp = new TempDirectory();
        using var model = ModelLoader.Load(Fixtures.Directory(name));
        CheckpointSaver.Save(model, temp.File("saved"), tokenizerSourceDirectory: null);
        Assert.Equal(File.ReadAllBytes(Path.Combine(Fixtures.Directory(name), "model.safetensors")),
            File.ReadAllBytes(temp.File("saved/model.safetensors")));
        var config = JsonNode.Parse(File.ReadAllText(temp.File("saved/config.json")))!;
        Assert.Equal(model.Config.HiddenSize, config["hidden_size"]!.GetValue<int>());
        Assert.True(File.Exists(temp.File("saved/generation_config.json")));
        Assert.DoesNotContain(Directory.GetDirectories(temp.Path), d => d.Contains(".saving-"));
    }

    [Fact]
    public void Bfloat16_checkpoints_round_trip_through_a_float32_model_and_shards()
    {
        using var temp = new TempDirectory();
        var source = FixtureCopy(temp);
        var configPath = Path.Combine(source, "config.json");
        File.WriteAllText(configPath, File.ReadAllText(configPath).Replace("\"float32\"", "\"bfloat16\""));
        using (var model = ModelLoader.Load(source))
            CheckpointSaver.Save(model, temp.File("bf16"), null);
        using (var file = SafetensorsFile.Open(temp.File("bf16/model.safetensors")))
            Assert.All(file.Tensors.Values, t => Assert.Equal(TensorDType.BF16, t.DType));

        using var bf16 = ModelLoader.Load(temp.File("bf16"));
        CheckpointSaver.Save(bf16, temp.File("sharded"), null, maxShardBytes: 100_000);
        var shards = Directory.GetFiles(temp.File("sharded"), "model-*-of-*.safetensors");
        Assert.True(shards.Length > 1);
        Assert.False(File.Exists(temp.File("sharded/model.safetensors")));
        var index = JsonNode.Parse(File.ReadAllText(temp.File("sharded/model.safetensors.index.json")))!;
        Assert.Equal(bf16.named_parameters().Count(), index["weight_map"]!.AsObject().Count);
        using (var shard = SafetensorsFile.Open(shards[0]))
            Assert.Equal("pt", shard.Metadata["format"]);

        using var resharded = ModelLoader.Load(temp.File("sharded"), dtype: ScalarType.BFloat16);
        CheckpointSaver.Save(resharded, temp.File("again"), null);
        Assert.Equal(File.ReadAllBytes(temp.File("bf16/model.safetensors")), File.ReadAllBytes(temp.File("again/model.safetensors")));
        Assert.Equal(ScalarType.BFloat16, resharded.parameters().First().dtype);
    }

    [Fact]
    public void Saving_over_an_existing_directory_replaces_it_and_copies_tokenizer_files()
    {
        using var temp = new TempDirectory();
        var tokenizer = temp.File("tok");
        Directory.CreateDirectory(tokenizer);
        File.WriteAllText(Path.Combine(tokenizer, "tokenizer.json"), "{}");
        File.WriteAllText(Path.Combine(tokenizer, "tokenizer_config.json"), "{}");
        File.WriteAllText(Path.Combine(tokenizer, "unrelated.txt"), "x");
        Directory.CreateDirectory(temp.File("out"));
        File.WriteAllText(temp.File("out/stale.txt"), "old");
        using var model = ModelLoader.Load(Fixtures.Directory("tiny-neox"));
        CheckpointSaver.Save(model, temp.File("out"), tokenizer);
        Assert.Equal(["config.json", "generation_config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"],
            Directory.GetFiles(temp.File("out")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Single(Directory.GetDirectories(temp.Path), d => !d.EndsWith("tok"));
    }

    [Fact]
    public void Pickle_only_directories_are_refused_with_the_conversion_command()
    {
        using var temp = new TempDirectory();
        File.Copy(Path.Combine(Fixtures.Directory("tiny-neox"), "config.json"), temp.File("config.json"));
        File.WriteAllBytes(temp.File("pytorch_model.bin"), [0x80, 0x02, 0x63]);
        var error = Assert.Throws<CheckpointException>(() => ModelLoader.Load(temp.Path));
        Assert.Contains("pytorch_model.bin", error.Message);
        Assert.Contains("arbitrary code", error.Message);
        Assert.Contains(PickleCheckpoints.ConversionCommand, error.Message);
    }

    [Fact]
    public void Missing_unexpected_and_misshaped_tensors_are_named()
    {
        using var temp = new TempDirectory();
        var source = FixtureCopy(temp);
        using (var weights = SafetensorsFile.Open(Path.Combine(source, "model.safetensors")))
        {
            var tensors = weights.Tensors.Values
                .Where(t => t.Name != "model.layers.1.mlp.up_proj.weight")
                .Select(t => t.Name == "model.norm.weight"
                    ? new NamedTensorData(t.Name, t.DType, [t.Shape[0] / 2], weights.ReadBytes(t.Name)[..(int)(t.ByteCount / 2)])
                    : new NamedTensorData(t.Name, t.DType, t.Shape, weights.ReadBytes(t.Name)))
                .Append(new NamedTensorData("model.layers.9.extra.weight", TensorDType.F32, [1], new byte[4]))
                .ToList();
            weights.Dispose();
            SafetensorsWriter.Write(Path.Combine(source, "model.safetensors"), tensors);
        }
        var error = Assert.Throws<CheckpointException>(() => ModelLoader.Load(source));
        Assert.Contains("missing tensors: model.layers.1.mlp.up_proj.weight", error.Message);
        Assert.Contains("unexpected tensors: model.layers.9.extra.weight", error.Message);
        Assert.Contains("model.norm.weight has shape [32]", error.Message);
        Assert.Contains("implies [64]", error.Message);
    }

    [Fact]
    public void Recomputed_buffers_of_older_checkpoints_are_ignored()
    {
        using var temp = new TempDirectory();
        var source = FixtureCopy(temp, "tiny-neox");
        using (var weights = SafetensorsFile.Open(Path.Combine(source, "model.safetensors")))
        {
            var tensors = weights.Tensors.Values.Select(t => new NamedTensorData(t.Name, t.DType, t.Shape, weights.ReadBytes(t.Name)))
                .Append(new NamedTensorData("gpt_neox.layers.0.attention.rotary_emb.inv_freq", TensorDType.F32, [4], new byte[16]))
                .Append(new NamedTensorData("gpt_neox.layers.0.attention.masked_bias", TensorDType.F32, [1], new byte[4]))
                .ToList();
            weights.Dispose();
            SafetensorsWriter.Write(Path.Combine(source, "model.safetensors"), tensors);
        }
        using var model = ModelLoader.Load(source);
        Assert.Equal(ModelFamily.GptNeoX, model.Config.Family);
    }

    [Fact]
    public void Unsupported_architectures_name_the_key()
    {
        using var temp = new TempDirectory();
        var source = FixtureCopy(temp);
        File.WriteAllText(Path.Combine(source, "config.json"), """{"architectures": ["T5ForConditionalGeneration"], "model_type": "t5"}""");
        var error = Assert.Throws<CheckpointException>(() => ModelLoader.Load(source));
        Assert.Contains("config.json: architectures: unsupported architecture 'T5ForConditionalGeneration'", error.Message);
    }

    [Fact]
    public void Saving_a_model_with_adapters_attached_is_refused()
    {
        using var temp = new TempDirectory();
        using var model = ModelLoader.Load(Fixtures.Directory("tiny-llama-gqa"));
        var (_, linear) = model.Linears().First();
        linear.Adapter = TorchSharp.torch.nn.Linear(linear.InFeatures, linear.OutFeatures, hasBias: false);
        var error = Assert.Throws<InvalidOperationException>(() => CheckpointSaver.Save(model, temp.File("out"), null));
        Assert.Contains("adapter", error.Message);
        Assert.False(Directory.Exists(temp.File("out")));
    }
}
