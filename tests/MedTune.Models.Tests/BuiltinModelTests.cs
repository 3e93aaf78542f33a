using MedTune.Checkpoints;
using MedTune.Checkpoints.Tokenization;
using MedTune.Testing;
using static TorchSharp.torch;

namespace MedTune.Models.Tests;

public class BuiltinModelTests
{
    [Theory]
    [InlineData(BuiltinModels.TinyLlama)]
    [InlineData(BuiltinModels.TinyNeoX)]
    public void Same_seed_gives_byte_identical_directories_and_another_seed_other_weights(string name)
    {
        using var temp = new TempDirectory();
        BuiltinModels.Create(name, temp.File("a"), seed: 11);
        BuiltinModels.Create(name, temp.File("b"), seed: 11);
        BuiltinModels.Create(name, temp.File("c"), seed: 12);
        var files = Directory.GetFiles(temp.File("a")).Select(Path.GetFileName).Order().ToList();
        Assert.Contains("config.json", files);
        Assert.Contains("model.safetensors", files);
        Assert.Contains("generation_config.json", files);
        Assert.Contains("tokenizer_config.json", files);
        Assert.Equal(files, Directory.GetFiles(temp.File("b")).Select(Path.GetFileName).Order());
        foreach (var file in files)
            Assert.Equal(File.ReadAllBytes(Path.Combine(temp.File("a"), file!)), File.ReadAllBytes(Path.Combine(temp.File("b"), file!)));
        Assert.NotEqual(File.ReadAllBytes(temp.File("a/model.safetensors")), File.ReadAllBytes(temp.File("c/model.safetensors")));
    }

    [Theory]
    [InlineData(BuiltinModels.TinyLlama, ModelFamily.Llama)]
    [InlineData(BuiltinModels.TinyNeoX, ModelFamily.GptNeoX)]
    public void Builtin_models_load_with_their_tokenizer_and_produce_finite_logits(string name, ModelFamily family)
    {
        using var temp = new TempDirectory();
        BuiltinModels.Create(name, temp.Path, seed: 1);
        var tokenizer = TextTokenizer.Load(temp.Path);
        using var model = ModelLoader.Load(temp.Path);
        Assert.Equal(family, model.Config.Family);
        Assert.Equal(tokenizer.VocabSize, model.Config.VocabSize);
        var ids = tokenizer.Encode("患者は発熱を訴えた。").Select(i => (long)i).ToArray();
        using var noGrad = no_grad();
        using var logits = model.Forward(tensor(ids, [1, ids.Length]));
        Assert.Equal(new long[] { 1, ids.Length, tokenizer.VocabSize }, logits.shape);
        Assert.True(logits.isfinite().all().item<bool>());
    }

    [Fact]
    public void Unknown_names_are_refused()
    {
        using var temp = new TempDirectory();
        var error = Assert.Throws<ArgumentException>(() => BuiltinModels.Create("tiny-gpt2", temp.Path, 1));
        Assert.Contains("tiny-llama", error.Message);
    }
}
