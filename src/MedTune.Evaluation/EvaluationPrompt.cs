namespace MedTune.Evaluation;

/// <summary>A rendered prompt and the strings that end the model's answer to it.</summary>
public sealed record EvaluationPrompt(string Text, IReadOnlyList<string> StopStrings);
