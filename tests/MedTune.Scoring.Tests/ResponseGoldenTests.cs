using System.Globalization;
using System.Text;
using System.Text.Json;

namespace MedTune.Scoring.Tests;

/// <summary>
/// Extraction, exact match, Gestalt score and accuracy agree with an independent Python
/// implementation of the spec (Fixtures/generate_response_golden.py) on 300 real questions.
/// </summary>
[Trait("Category", "SharedData")]
public class ResponseGoldenTests
{
    private static readonly string[] Markers = { "### 応答：" };

    [Fact]
    public void Response_metrics_match_the_python_reference_implementation()
    {
        var failures = new List<string>();
        int rows = 0;
        foreach (var line in File.ReadLines(TestData.Fixture("response_golden.jsonl")))
        {
            rows++;
            var row = JsonDocument.Parse(line).RootElement;
            var questions = row.GetProperty("set").GetString() == "igakuqa" ? TestData.IgakuQa : TestData.JjsimQa;
            string id = row.GetProperty("problem_id").GetString()!;
            var question = questions.Single(q => q.ProblemId == id);

            string response = ResponseExtractor.Extract(Build(question, row.GetProperty("continuation")), Markers);
            var score = ResponseScorer.Score(question, response);

            long expectedGestalt = long.Parse(row.GetProperty("gestalt_bits").GetString()!, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (CodePoints.Count(ResponseExtractor.Clean(response)) != row.GetProperty("response_len").GetInt32()) failures.Add($"{id}: extracted response differs");
            if ((score.ExactMatch ? 1 : 0) != row.GetProperty("exact_match").GetInt32()) failures.Add($"{id}: exact_match");
            if (BitConverter.DoubleToInt64Bits(score.GestaltScore) != expectedGestalt) failures.Add($"{id}: gestalt {score.GestaltScore:R}");
            if ((score.Accuracy ? 1 : 0) != row.GetProperty("accuracy").GetInt32()) failures.Add($"{id}: accuracy");
            if (score.Picked != row.GetProperty("picked").GetString()) failures.Add($"{id}: picked {score.Picked}");
        }
        Assert.Equal(300, rows);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private static string Build(ExamQuestion question, JsonElement parts)
    {
        var text = new StringBuilder();
        foreach (var part in parts.EnumerateArray())
        {
            if (part.TryGetProperty("lit", out var literal)) { text.Append(literal.GetString()); continue; }
            string option = question.Choices[part.GetProperty("c").GetInt32()];
            bool fullWidth = part.TryGetProperty("fullwidth", out var f) && f.GetBoolean();
            text.Append(fullWidth ? ToFullWidth(option) : option);
        }
        return text.ToString();
    }

    private static string ToFullWidth(string s) =>
        new(s.Select(c => c is >= '!' and <= '~' ? (char)(c + 0xFEE0) : c).ToArray());
}
