namespace MedTune.Training;

/// <summary>What training needs from a tokenizer (adapted from <c>TextTokenizer</c> by the train stage).</summary>
public interface ITrainingTokenizer
{
    /// <summary>Token ids of <paramref name="text"/>, with BOS first when <paramref name="addBos"/>; never adds EOS.</summary>
    IReadOnlyList<int> Encode(string text, bool addBos);
    int EosId { get; }
    int PadId { get; }
}

/// <summary>Token ids and labels of one example; label −100 marks a position that carries no loss.</summary>
public sealed record TokenizedExample(int[] InputIds, int[] Labels, string Source)
{
    public const int IgnoreLabel = -100;
    public int LabelCount => Labels.Count(l => l != IgnoreLabel);
}

/// <summary>Loss on the response only (the prompt is masked), or on every token.</summary>
public enum TrainOn { Response, All }

/// <summary>
/// Turns examples into token ids and labels: prompt (from the template) + response + EOS, as alpaca-lora does — the whole
/// text is tokenized at once and the prompt's own token count decides where the masked part ends. Sequences longer than
/// <c>maxSeqLength</c> are cut at the end; an example with no response token left is dropped.
/// </summary>
public sealed class ExampleEncoder(ITrainingTokenizer tokenizer, string template, int maxSeqLength, TrainOn trainOn)
{
    public EncodedDataset Encode(IEnumerable<InstructionExample> examples)
    {
        if (maxSeqLength < 2) throw new ArgumentOutOfRangeException(nameof(maxSeqLength), "train.max_seq_length must be at least 2.");
        var encoded = new List<TokenizedExample>();
        var truncated = 0;
        var dropped = new List<string>();
        foreach (var example in examples)
        {
            var prompt = PromptTemplates.Format(template, example.Instruction, example.Input);
            var promptLength = tokenizer.Encode(prompt, addBos: true).Count;
            var ids = tokenizer.Encode(prompt + example.Output, addBos: true).Append(tokenizer.EosId).ToArray();
            if (ids.Length > maxSeqLength)
            {
                ids = ids[..maxSeqLength];
                truncated++;
            }
            var labels = ids.Select((id, i) => trainOn == TrainOn.All || i >= promptLength ? id : TokenizedExample.IgnoreLabel).ToArray();
            // Position 0 is never predicted (labels shift by one), so the example needs a label after it.
            if (labels.Skip(1).All(l => l == TokenizedExample.IgnoreLabel))
            {
                dropped.Add(example.Source);
                continue;
            }
            encoded.Add(new TokenizedExample(ids, labels, example.Source));
        }
        return new EncodedDataset(encoded, truncated, dropped);
    }

    public static TrainOn ParseTrainOn(string value) => value switch
    {
        "response" => TrainOn.Response,
        "all" => TrainOn.All,
        _ => throw new ArgumentException($"train.train_on '{value}' is unknown; use 'response' or 'all'."),
    };
}

/// <param name="TruncatedCount">Examples cut to max_seq_length.</param>
/// <param name="DroppedSources">Examples whose prompt alone filled max_seq_length (no response token left), by file:line.</param>
public sealed record EncodedDataset(IReadOnlyList<TokenizedExample> Examples, int TruncatedCount, IReadOnlyList<string> DroppedSources);
