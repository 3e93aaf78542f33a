using MedTune.Scoring;

namespace MedTune.Evaluation;

/// <summary>
/// Gets the model's answer R out of a continuation (never the prompt, so few-shot answers are never
/// picked up), per template: the metric spec's rule for the option-text and letter templates, and the
/// last <c>答え:</c> line for step-by-step reasoning.
/// </summary>
public static class ResponseParser
{
    public const string AlpacaResponseMarker = "### 応答：";
    private static readonly string[] FinalAnswerMarkers = ["答え:", "答え："];

    public static string Extract(string template, string continuation) => template switch
    {
        EvaluationTemplates.StepByStep => FinalAnswer(continuation),
        EvaluationTemplates.AlpacaJaOptionText => ResponseExtractor.Extract(continuation, [AlpacaResponseMarker]),
        _ => ResponseExtractor.Extract(continuation, []),
    };

    /// <summary>Text after the last "答え:" marker (its line only); the last non-empty line when the model wrote none.</summary>
    private static string FinalAnswer(string continuation)
    {
        int at = -1, markerLength = 0;
        foreach (var marker in FinalAnswerMarkers)
        {
            int found = continuation.LastIndexOf(marker, StringComparison.Ordinal);
            if (found > at) (at, markerLength) = (found, marker.Length);
        }
        if (at >= 0) return ResponseExtractor.Extract(continuation[(at + markerLength)..], []);
        var lines = continuation.Split('\n').Select(PythonText.Strip).Where(line => line.Length > 0).ToArray();
        return lines.Length == 0 ? "" : lines[^1];
    }
}
