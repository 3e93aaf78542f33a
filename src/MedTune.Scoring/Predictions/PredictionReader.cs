using System.Text.Json;

namespace MedTune.Scoring.Predictions;

/// <summary>
/// Reads a predictions JSONL file: one object per line with <c>problem_id</c> and either
/// <c>prediction</c> (letters) or <c>response</c> (free text); other fields are ignored.
/// Every line must be of the same kind.
/// </summary>
public static class PredictionReader
{
    public static PredictionSet Read(string path)
    {
        if (!File.Exists(path)) throw new ExamDataException(path, null, "predictions file not found.");
        var records = new List<Prediction>();
        PredictionKind? kind = null;
        int firstKindLine = 0;
        int lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var (lineKind, prediction) = ParseLine(path, lineNumber, line);
            if (kind is null) { kind = lineKind; firstKindLine = lineNumber; }
            else if (kind != lineKind)
                throw new ExamDataException(path, lineNumber,
                    $"has \"{FieldOf(lineKind)}\" but line {firstKindLine} has \"{FieldOf(kind.Value)}\"; one file holds one kind of prediction.");
            records.Add(prediction);
        }
        if (kind is null) throw new ExamDataException(path, null, "no predictions in the file.");
        return new PredictionSet(kind.Value, records, path);
    }

    private static string FieldOf(PredictionKind kind) => kind == PredictionKind.Letter ? "prediction" : "response";

    private static (PredictionKind, Prediction) ParseLine(string path, int lineNumber, string line)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(line); }
        catch (JsonException e) { throw new ExamDataException(path, lineNumber, JsonLineErrors.Describe(e), e); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new ExamDataException(path, lineNumber, "expected a JSON object per line.");
            if (!root.TryGetProperty("problem_id", out var id) || id.ValueKind != JsonValueKind.String)
                throw new ExamDataException(path, lineNumber, "missing string field \"problem_id\".");
            bool hasLetters = root.TryGetProperty("prediction", out var letters);
            bool hasResponse = root.TryGetProperty("response", out var response);
            if (hasLetters == hasResponse)
                throw new ExamDataException(path, lineNumber,
                    "needs exactly one of \"prediction\" (letters such as \"a,c\") or \"response\" (free text).");
            var (kind, value, name) = hasLetters ? (PredictionKind.Letter, letters, "prediction") : (PredictionKind.Response, response, "response");
            if (value.ValueKind != JsonValueKind.String)
                throw new ExamDataException(path, lineNumber, $"\"{name}\" must be a string.");
            return (kind, new Prediction(id.GetString()!, value.GetString()!, lineNumber));
        }
    }
}
