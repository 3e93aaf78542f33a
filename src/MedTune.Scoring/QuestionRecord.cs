using System.Globalization;
using System.Text.Json;

namespace MedTune.Scoring;

/// <summary>The fields of one question line, validated; errors name the file and line.</summary>
/// <param name="Repair">Set when the record was usable only after a repair; says what was changed.</param>
/// <param name="SkipReason">Set when the record is well-formed but cannot be scored (no gold answer).</param>
internal sealed record QuestionRecord(string ProblemId, string Text, IReadOnlyList<string> Choices,
    IReadOnlyList<string> Answer, double? Points, bool TextOnly, string? Repair, string? SkipReason = null)
{
    public static QuestionRecord Parse(string file, int line, string json)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json); }
        catch (JsonException e) { throw new ExamDataException(file, line, JsonLineErrors.Describe(e), e); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new ExamDataException(file, line, "expected a JSON object per line.");
            string id = RequiredString(root, "problem_id", file, line);
            if (id.Length == 0) throw new ExamDataException(file, line, "\"problem_id\" is empty.");
            string text = RequiredString(root, "problem_text", file, line);
            var choices = StringList(root, "choices", file, line, required: true);
            // DenQA marks questions without an official answer with "answer": "NA".
            if (root.TryGetProperty("answer", out var rawAnswer) && rawAnswer.ValueKind == JsonValueKind.String && rawAnswer.GetString() == "NA")
                return new QuestionRecord(id, text, choices, Array.Empty<string>(), null, true, null,
                    $"question {id} has no gold answer (\"answer\": \"NA\"); skipped");
            var answer = StringList(root, "answer", file, line, required: true);
            string? repair = null;
            // JJSIMQA 107_888-26 has ["d", ",", "e"]: a separator that slipped into the list. Its meaning is
            // unambiguous, so it is dropped and reported rather than making the whole set unreadable.
            if (choices.Count > 0 && answer.Count > 1 && answer.Contains(","))
            {
                repair = $"question {id}: dropped stray \",\" from answer [{string.Join(", ", answer.Select(a => $"\"{a}\""))}]";
                answer = answer.Where(a => a != ",").ToArray();
            }
            if (answer.Count == 0) throw new ExamDataException(file, line, $"question {id}: \"answer\" is empty.");
            CheckAnswerLetters(id, choices, answer, file, line);
            return new QuestionRecord(id, text, choices, answer, ParsePoints(root, id, file, line), ParseTextOnly(root, id, file, line), repair);
        }
    }

    private static string RequiredString(JsonElement root, string name, string file, int line)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String)
            throw new ExamDataException(file, line, $"missing string field \"{name}\".");
        return value.GetString()!;
    }

    private static IReadOnlyList<string> StringList(JsonElement root, string name, string file, int line, bool required)
    {
        if (!root.TryGetProperty(name, out var value))
        {
            if (required) throw new ExamDataException(file, line, $"missing field \"{name}\" (a list of strings).");
            return Array.Empty<string>();
        }
        if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
            throw new ExamDataException(file, line, $"\"{name}\" must be a list of strings.");
        return value.EnumerateArray().Select(e => e.GetString()!).ToArray();
    }

    // Answers are option letters within range; a question without options has a number as answer.
    // "x or y" (IgakuQA 112B30) lists alternatives.
    private static void CheckAnswerLetters(string id, IReadOnlyList<string> choices, IReadOnlyList<string> answer, string file, int line)
    {
        if (choices.Count == 0) return;
        foreach (var entry in answer)
        {
            foreach (var letter in entry.Split(" or "))
            {
                int index = ExamQuestion.IndexOf(letter.Trim());
                if (index < 0 || index >= choices.Count)
                    throw new ExamDataException(file, line,
                        $"question {id}: answer '{entry}' is not a letter a-{ExamQuestion.LetterOf(choices.Count - 1)} of its {choices.Count} choices.");
            }
        }
    }

    private static double? ParsePoints(JsonElement root, string id, string file, int line)
    {
        if (!root.TryGetProperty("points", out var value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind == JsonValueKind.Number) return value.GetDouble();
        if (value.ValueKind == JsonValueKind.String &&
            double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed))
            return parsed;
        throw new ExamDataException(file, line, $"question {id}: \"points\" must be a number or a numeric string, got {value.GetRawText()}.");
    }

    private static bool ParseTextOnly(JsonElement root, string id, string file, int line)
    {
        if (!root.TryGetProperty("text_only", out var value)) return true;
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new ExamDataException(file, line, $"question {id}: \"text_only\" must be true or false."),
        };
    }
}
