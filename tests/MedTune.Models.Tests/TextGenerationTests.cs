using MedTune.Checkpoints.Tokenization;
using MedTune.Inference;
using MedTune.Testing;

namespace MedTune.Models.Tests;

/// <summary>The shared generation loop over the TorchSharp model: batching with left padding must not change any output.</summary>
public class TextGenerationTests
{
    [Fact]
    public void Batched_greedy_generation_equals_one_prompt_at_a_time()
    {
        using var temp = new TempDirectory();
        BuiltinModels.Create(BuiltinModels.TinyLlama, temp.Path, seed: 3);
        var tokenizer = TextTokenizer.Load(temp.Path);
        using var generator = new DecoderTextGenerator(new TorchDecoderModel(ModelLoader.Load(temp.Path)), tokenizer);
        string[] prompts = ["患者は発熱を訴えた。", "次のうち正しいものはどれか。", "a"];
        var options = new DecodingOptions { MaxNewTokens = 6, BatchSize = 3 };
        var batched = generator.Generate(prompts, options);
        var single = prompts.Select(p => generator.Generate([p], options with { BatchSize = 1 })[0]).ToList();
        Assert.Equal(single.Select(s => s.TokenIds), batched.Select(b => b.TokenIds));
        Assert.All(batched, b => Assert.NotEmpty(b.TokenIds));
    }
}
