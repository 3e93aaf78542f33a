using MedTune.Checkpoints.Tokenization;
using MedTune.Testing;

namespace MedTune.Inference.Tests.Generation;

/// <summary>The builtin GPT-NeoX tokenizer (byte-level, exact round trip), written once for all generation tests.</summary>
public sealed class GeneratorFixture : IDisposable
{
    private readonly TempDirectory _temp = new();

    public GeneratorFixture()
    {
        BuiltinTokenizers.Write(BuiltinTokenizers.GptNeoX, _temp.Path);
        Tokenizer = TextTokenizer.Load(_temp.Path);
        var llamaDirectory = Path.Combine(_temp.Path, "llama");
        BuiltinTokenizers.Write(BuiltinTokenizers.Llama, llamaDirectory);
        LlamaTokenizer = TextTokenizer.Load(llamaDirectory);
    }

    public TextTokenizer Tokenizer { get; }
    public TextTokenizer LlamaTokenizer { get; }

    public void Dispose() => _temp.Dispose();
}
