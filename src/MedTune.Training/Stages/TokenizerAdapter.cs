using MedTune.Checkpoints.Tokenization;

namespace MedTune.Training;

/// <summary>A model directory's <see cref="TextTokenizer"/> seen as a training tokenizer (first EOS id ends each example).</summary>
public sealed class TextTrainingTokenizer(TextTokenizer tokenizer, string modelDirectory) : ITrainingTokenizer
{
    public IReadOnlyList<int> Encode(string text, bool addBos) => tokenizer.Encode(text, addBos);

    public int EosId => tokenizer.EosIds.Count > 0
        ? tokenizer.EosIds[0]
        : throw new InvalidOperationException($"{modelDirectory}: the tokenizer defines no EOS token; training needs one to end each response (set eos_token in tokenizer_config.json).");

    public int PadId => tokenizer.PadId;
}
