using MedTune.Scoring;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MedTune.Manifest;

namespace MedTune.Training;

/// <summary>
/// Reads instruction-tuning examples from JSONL: Alpaca records (<c>instruction</c>, <c>input</c>, <c>output</c>) or exam
/// question records (<c>problem_text</c>, <c>choices</c>, <c>answer</c> letters; the response is the answer options' text
/// joined with ","). A bad record (invalid UTF-8 or JSON, missing field, empty output) is an error naming file:line,
/// or with <c>skip_invalid</c> is skipped and listed in <see cref="DatasetReadResult.Skipped"/>.
/// </summary>
public static class InstructionDatasetReader
{
    public const string AlpacaFormat = "alpaca";
    public const string ExamFormat = "exam";

    public static DatasetReadResult Read(DatasetSpec spec)
    {
        var path = spec.ResolvedPath ?? spec.Path;
        var files = JsonlFiles(path);
        var examples = new List<InstructionExample>();
        var skipped = new List<string>();
        foreach (var file in files)
        {
            var lineNumber = 0;
            foreach (var text in ReadLines(file))
            {
                lineNumber++;
                if (text is not null && string.IsNullOrWhiteSpace(text)) continue;
                var where = $"{file}:{lineNumber}";
                try
                {
                    if (text is null) throw new DatasetException($"{where}: the line is not valid UTF-8.");
                    var example = spec.Format switch
                    {
                        AlpacaFormat => ParseAlpaca(text, where),
                        ExamFormat => ParseExam(text, where, ExamFilter.For(spec.Filters, file)),
                        _ => throw new DatasetException($"{path}: dataset format '{spec.Format}' is unknown; use '{AlpacaFormat}' or '{ExamFormat}'."),
                    };
                    if (example is not null) examples.Add(example);
                    if (spec.Filters.Limit is { } limit && examples.Count >= limit) return new DatasetReadResult(examples, skipped);
                }
                catch (DatasetException e) when (spec.SkipInvalid && e.Message.StartsWith(where, StringComparison.Ordinal))
                {
                    skipped.Add(e.Message);
                }
            }
        }
        if (examples.Count == 0)
            throw new DatasetException($"{path}: no usable examples" + (skipped.Count > 0 ? $" ({skipped.Count} invalid records skipped, first: {skipped[0]})." : "."));
        return new DatasetReadResult(examples, skipped);
    }

    private static IReadOnlyList<string> JsonlFiles(string path)
    {
        if (Directory.Exists(path))
        {
            // IgakuQA layout: year folders of NNN-X.jsonl beside *_metadata.jsonl / *_translate.jsonl companions.
            var files = Directory.EnumerateFiles(path, "*.jsonl", SearchOption.AllDirectories)
                .Where(f => !f.EndsWith("_metadata.jsonl", StringComparison.Ordinal) && !f.EndsWith("_translate.jsonl", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal).ToList();
            if (files.Count == 0) throw new DatasetException($"{path}: directory holds no .jsonl files.");
            return files;
        }
        if (!File.Exists(path)) throw new DatasetException($"{path}: dataset file not found (datasets.train[].path).");
        return [path];
    }

    /// <summary>Lines of the file; a line that is not valid UTF-8 comes back as null text.</summary>
    private static IEnumerable<string?> ReadLines(string file) => StrictUtf8Lines.Read(file);

    private static JsonObject ParseObject(string text, string where)
    {
        try
        {
            return JsonNode.Parse(text) as JsonObject ?? throw new DatasetException($"{where}: expected a JSON object.");
        }
        catch (JsonException e)
        {
            throw new DatasetException($"{where}: {JsonLineErrors.Describe(e)}", e);
        }
    }

    private static string RequiredText(JsonObject record, string key, string where, bool allowEmpty)
    {
        if (record[key] is not JsonValue value || !value.TryGetValue<string>(out var text))
            throw new DatasetException($"{where}: field '{key}' is missing or not a string.");
        if (!allowEmpty && string.IsNullOrWhiteSpace(text))
            throw new DatasetException($"{where}: field '{key}' is empty.");
        return text;
    }

    internal static InstructionExample ParseAlpaca(string text, string where)
    {
        var record = ParseObject(text, where);
        if (record["instruction"] is null && record["problem_text"] is not null && record["choices"] is not null)
            throw new DatasetException(
                $"{where}: this is an exam question record (problem_text, choices, answer), not an Alpaca one (instruction, input, output); add 'format: exam' to this dataset in the manifest.");
        var instruction = RequiredText(record, "instruction", where, allowEmpty: false);
        var input = record["input"] is null ? "" : RequiredText(record, "input", where, allowEmpty: true);
        var output = RequiredText(record, "output", where, allowEmpty: false);
        return new InstructionExample(instruction, input, output, where);
    }

    /// <summary>An exam question as an instruction: the question, its options as input (one per line), the answer options' text as output.</summary>
    internal static InstructionExample? ParseExam(string text, string where, ExamFilter? filter = null)
    {
        var record = ParseObject(text, where);
        if (filter is not null && !filter.Keeps(record)) return null;
        var question = RequiredText(record, "problem_text", where, allowEmpty: false);
        var choices = record["choices"] as JsonArray ?? throw new DatasetException($"{where}: field 'choices' is missing or not an array.");
        var choiceTexts = choices.Select((c, i) => c is JsonValue v && v.TryGetValue<string>(out var s)
            ? s : throw new DatasetException($"{where}: choices[{i}] is not a string.")).ToList();
        if (record["answer"] is not JsonArray { Count: > 0 } answers)
            throw new DatasetException($"{where}: field 'answer' is missing or empty.");
        var answerTexts = new List<string>();
        foreach (var answer in answers)
        {
            var letter = answer is JsonValue v && v.TryGetValue<string>(out var s) ? s.Trim() : throw new DatasetException($"{where}: answer entries must be strings.");
            // IgakuQA 112B30 accepts "a or d": train on the first accepted answer.
            if (letter.Contains(" or ", StringComparison.Ordinal)) letter = letter[..letter.IndexOf(" or ", StringComparison.Ordinal)].Trim();
            if (choiceTexts.Count == 0) { answerTexts.Add(letter); continue; } // numeric-answer questions have no options
            var index = letter.Length == 1 ? char.ToLowerInvariant(letter[0]) - 'a' : -1;
            if (index < 0 || index >= choiceTexts.Count)
                throw new DatasetException($"{where}: answer '{letter}' is not one of the {choiceTexts.Count} options (a–{(char)('a' + choiceTexts.Count - 1)}).");
            answerTexts.Add(choiceTexts[index]);
        }
        var output = string.Join(",", answerTexts);
        if (string.IsNullOrWhiteSpace(output)) throw new DatasetException($"{where}: the answer text is empty.");
        var input = ExamQuestion.OptionLines(choiceTexts);
        return new InstructionExample(question, input, output, where);
    }
}

/// <summary>
/// <c>datasets[].filters</c> for exam records: <c>text_only</c>, number of <c>choices</c>, exam <c>years</c> (the folder name)
/// and <c>sections</c> (<c>112-A</c> or <c>A</c>, from the file name). <c>limit</c> is applied by the reader.
/// </summary>
internal sealed class ExamFilter(DatasetFilters filters, int? year, string section)
{
    public static ExamFilter For(DatasetFilters filters, string file)
    {
        var folder = Path.GetFileName(Path.GetDirectoryName(file)) ?? "";
        return new ExamFilter(filters, int.TryParse(folder, out var year) ? year : null, Path.GetFileNameWithoutExtension(file));
    }

    public bool Keeps(JsonObject record)
    {
        if (filters.TextOnly is { } textOnly && (record["text_only"] is JsonValue v && v.TryGetValue<bool>(out var b) ? b : true) != textOnly) return false;
        if (filters.Choices is { } choices && (record["choices"] as JsonArray)?.Count != choices) return false;
        if (filters.Years.Count > 0 && (year is null || !filters.Years.Contains(year.Value))) return false;
        if (filters.Sections.Count > 0 && !filters.Sections.Any(s => section == s || section.EndsWith("-" + s, StringComparison.Ordinal))) return false;
        return true;
    }
}

/// <param name="Skipped">The reason for each skipped record, starting with its file:line.</param>
public sealed record DatasetReadResult(IReadOnlyList<InstructionExample> Examples, IReadOnlyList<string> Skipped);
