using System.Text.Json;
using System.Text.Json.Nodes;

namespace MedTune.Tool.Generation;

/// <summary>One question to answer, with the id it is reported under (<c>prompt-N</c>, or the record's <c>id</c>).</summary>
public sealed record Question(string Id, string Text, string? Input = null);

/// <summary>Reads the prompts of <c>medtune generate</c>: <c>--prompt</c> values, then a file (plain lines or JSONL records).</summary>
public static class PromptFile
{
    public static IReadOnlyList<Question> Collect(IReadOnlyList<string> prompts, string? file)
    {
        var questions = prompts.Select((p, i) => new Question($"prompt-{i + 1}", p)).ToList();
        if (file is not null) questions.AddRange(Read(file, questions.Count));
        if (questions.Count == 0) throw new ArgumentException("Nothing to answer: give --prompt TEXT or --prompts FILE.");
        var empty = questions.FirstOrDefault(q => string.IsNullOrWhiteSpace(q.Text));
        if (empty is not null) throw new ArgumentException($"{empty.Id} is empty; give it some text.");
        return questions;
    }

    private static IEnumerable<Question> Read(string path, int numbered)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"--prompts '{path}' does not exist.", path);
        var lines = File.ReadAllLines(path);
        var jsonl = path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase);
        var result = new List<Question>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i])) continue;
            var id = $"prompt-{numbered + result.Count + 1}";
            if (!jsonl)
            {
                result.Add(new Question(id, lines[i]));
                continue;
            }
            JsonObject record;
            try
            {
                record = JsonNode.Parse(lines[i]) as JsonObject ?? throw new InvalidDataException($"{path}:{i + 1}: expected a JSON object.");
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}:{i + 1}: not valid JSON ({e.Message}).", e);
            }
            var text = Text(record, "prompt") ?? Text(record, "instruction")
                ?? throw new InvalidDataException($"{path}:{i + 1}: the record has neither \"prompt\" nor \"instruction\".");
            result.Add(new Question(record["id"]?.ToString() ?? id, text, Text(record, "prompt") is null ? Text(record, "input") : null));
        }
        return result;
    }

    private static string? Text(JsonObject record, string key) => record[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
