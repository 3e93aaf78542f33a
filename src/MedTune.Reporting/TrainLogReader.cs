using System.Text.Json;

namespace MedTune.Reporting;

/// <summary>Reads the loss curve from a train stage's <c>train_log.jsonl</c> (lines with <c>step</c> and <c>loss</c>; other lines are skipped).</summary>
public static class TrainLogReader
{
    public const string FileName = "train_log.jsonl";

    public static TrainingCurve? TryRead(string trainDirectory)
    {
        var path = Path.Combine(trainDirectory, FileName);
        if (!File.Exists(path)) return null;
        var steps = new List<int>();
        var losses = new List<double>();
        int lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                using var doc = JsonDocument.Parse(line);
                var root = doc.RootElement;
                if (root.ValueKind == JsonValueKind.Object
                    && root.TryGetProperty("step", out var step) && step.ValueKind == JsonValueKind.Number
                    && root.TryGetProperty("loss", out var loss) && loss.ValueKind == JsonValueKind.Number)
                {
                    steps.Add(step.GetInt32());
                    losses.Add(loss.GetDouble());
                }
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}:{lineNumber}: not valid JSON ({e.Message}). The train stage's log is damaged; re-run training.", e);
            }
        }
        return new TrainingCurve(steps, losses);
    }
}
