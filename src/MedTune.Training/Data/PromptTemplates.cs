namespace MedTune.Training;

/// <summary>
/// The Alpaca-style prompt templates used for training (and reused by evaluation so both see the same prompt).
/// A prompt ends where the response begins; the response is followed by EOS during training.
/// </summary>
public static class PromptTemplates
{
    public const string AlpacaJa = "alpaca_ja";
    public const string AlpacaEn = "alpaca_en";

    public static IReadOnlyList<string> Names { get; } = [AlpacaJa, AlpacaEn];

    private const string JaWithInput =
        "以下は、タスクを説明する指示と、文脈のある入力の組み合わせです。要求を適切に満たす応答を書きなさい。\n\n### 指示：\n{instruction}\n\n### 入力：\n{input}\n\n### 応答：\n";
    private const string JaNoInput =
        "以下は、タスクを説明する指示です。要求を適切に満たす応答を書きなさい。\n\n### 指示：\n{instruction}\n\n### 応答：\n";
    private const string EnWithInput =
        "Below is an instruction that describes a task, paired with an input that provides further context. Write a response that appropriately completes the request.\n\n### Instruction:\n{instruction}\n\n### Input:\n{input}\n\n### Response:\n";
    private const string EnNoInput =
        "Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n### Instruction:\n{instruction}\n\n### Response:\n";

    /// <summary>The prompt for <paramref name="instruction"/> (and <paramref name="input"/>, when not empty) in template <paramref name="template"/>.</summary>
    public static string Format(string template, string instruction, string? input)
    {
        var hasInput = !string.IsNullOrEmpty(input);
        var pattern = template switch
        {
            AlpacaJa => hasInput ? JaWithInput : JaNoInput,
            AlpacaEn => hasInput ? EnWithInput : EnNoInput,
            _ => throw new ArgumentException($"unknown prompt template '{template}'; known templates: {string.Join(", ", Names)}."),
        };
        // Substitute both placeholders in one pass so braces inside the instruction are never re-expanded.
        return hasInput
            ? pattern.Replace("{instruction}", "\u0000I").Replace("{input}", "\u0000N").Replace("\u0000I", instruction).Replace("\u0000N", input)
            : pattern.Replace("{instruction}", instruction);
    }

    public static bool IsKnown(string template) => Names.Contains(template);
}
