namespace MedTune.Evaluation;

/// <summary>The evaluation prompt templates a manifest may name in <c>evaluate.template</c>.</summary>
public static class EvaluationTemplates
{
    /// <summary>The seed paper's: Japanese Alpaca prompt, the model answers with the option text.</summary>
    public const string AlpacaJaOptionText = "alpaca_ja_option_text";
    /// <summary>Japanese Alpaca prompt asking for reasoning, then a final line <c>答え: …</c>.</summary>
    public const string StepByStep = "step_by_step";
    /// <summary>The IgakuQA release's format: options listed <c>a: …</c>, answer as letters like <c>a,c</c>.</summary>
    public const string IgakuQaLetters = "igakuqa_letters";

    public static IReadOnlyList<string> All { get; } = [AlpacaJaOptionText, StepByStep, IgakuQaLetters];

    public static string Validate(string name) =>
        All.Contains(name)
            ? name
            : throw new ArgumentException($"Unknown evaluation template '{name}' (evaluate.template). Use one of: {string.Join(", ", All)}.");
}
