using System.Text.Json;
using MedTune.Manifest;
using MedTune.Scoring;

namespace MedTune.Evaluation;

/// <summary>A worked example shown before the question (k-shot); <see cref="Explanation"/> feeds the step-by-step template.</summary>
public sealed record FewShotExemplar(ExamQuestion Question, string? Explanation)
{
    /// <summary>
    /// Reads exemplars from a file in exam record format (e.g. IgakuQA's <c>fewshot-prompt.jsonl</c>), keeping
    /// the optional <c>explanation</c> field that the question reader does not carry.
    /// </summary>
    public static IReadOnlyList<FewShotExemplar> Load(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"Few-shot exemplar file '{path}' not found (evaluate.fewshot_path).", path);
        var questions = ExamQuestionReader.Read(path, new DatasetFilters());
        var explanations = ReadExplanations(path);
        return questions.Select(q => new FewShotExemplar(q, explanations.GetValueOrDefault(q.ProblemId))).ToArray();
    }

    private static Dictionary<string, string> ReadExplanations(string path)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            if (root.TryGetProperty("problem_id", out var id) && id.ValueKind == JsonValueKind.String
                && root.TryGetProperty("explanation", out var explanation) && explanation.ValueKind == JsonValueKind.String)
                result[id.GetString()!] = explanation.GetString()!;
        }
        return result;
    }
}
