using System.Globalization;
using System.Text;
using System.Text.Json;

namespace MedTune.Scoring.Tests;

/// <summary>
/// Bit-exact agreement with Python's difflib on 512 pairs (Fixtures/gestalt_golden.jsonl, made by
/// Fixtures/generate_gestalt_golden.py). The fixture names exam texts by (set, problem id, field,
/// slice) instead of copying them, so the strings are rebuilt here from the shared data.
/// </summary>
public class GestaltGoldenTests
{
    private static readonly Lazy<string[]> FixtureLines = new(() => File.ReadAllLines(TestData.Fixture("gestalt_golden.jsonl")));

    /// <summary>Fixture lines whose strings are written out (<paramref name="examTexts"/> false) or cut from the real exam sets (true).</summary>
    public static TheoryData<int> Lines(bool examTexts)
    {
        var data = new TheoryData<int>();
        int count = FixtureLines.Value.Length;
        for (int i = 0; i < count; i++)
            if (FixtureLines.Value[i].Contains("\"set\"", StringComparison.Ordinal) == examTexts) data.Add(i);
        return data;
    }

    [Fact]
    public void Fixture_covers_autojunk_surrogates_and_empty_strings()
    {
        var rows = FixtureLines.Value.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.True(rows.Count >= 300);
        Assert.Contains(rows, r => r.GetProperty("len_b").GetInt32() >= 200);
        Assert.Contains(rows, r => r.GetProperty("len_a").GetInt32() == 0);
        Assert.Contains(rows, r => r.GetRawText().Contains("𠮷"));
    }

    [Theory]
    [MemberData(nameof(Lines), false)]
    public void Ratio_matches_python_difflib_bit_for_bit(int lineIndex) => AssertMatchesPython(lineIndex);

    /// <summary>The fixture lines built from IgakuQA/JJSIMQA question texts need ../shared/data.</summary>
    [Theory]
    [MemberData(nameof(Lines), true)]
    [Trait("Category", "SharedData")]
    public void Ratio_matches_python_difflib_bit_for_bit_on_exam_texts(int lineIndex) => AssertMatchesPython(lineIndex);

    private static void AssertMatchesPython(int lineIndex)
    {
        var row = JsonDocument.Parse(FixtureLines.Value[lineIndex]).RootElement;
        string a = Build(row.GetProperty("a")), b = Build(row.GetProperty("b"));
        Assert.Equal(row.GetProperty("len_a").GetInt32(), CodePoints.Count(a));
        Assert.Equal(row.GetProperty("len_b").GetInt32(), CodePoints.Count(b));

        long expectedBits = long.Parse(row.GetProperty("bits").GetString()!, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        double actual = GestaltSimilarity.Ratio(a, b);
        Assert.True(expectedBits == BitConverter.DoubleToInt64Bits(actual),
            $"line {lineIndex + 1}: python {row.GetProperty("ratio").GetString()}, C# {actual:R}");
    }

    private static string Build(JsonElement parts)
    {
        var text = new StringBuilder();
        foreach (var part in parts.EnumerateArray())
        {
            if (part.TryGetProperty("lit", out var literal)) { text.Append(literal.GetString()); continue; }
            var questions = part.GetProperty("set").GetString() == "igakuqa" ? TestData.IgakuQa : TestData.JjsimQa;
            string id = part.GetProperty("q").GetString()!;
            var question = questions.Single(q => q.ProblemId == id);
            string field = part.GetProperty("f").GetString()!;
            string value = field == "text" ? question.Text : question.Choices[int.Parse(field[1..], CultureInfo.InvariantCulture)];
            int[] codePoints = CodePoints.Of(value);
            int from = part.TryGetProperty("from", out var f) ? f.GetInt32() : 0;
            int to = part.TryGetProperty("to", out var t) ? t.GetInt32() : codePoints.Length;
            foreach (int cp in codePoints[from..to]) text.Append(char.ConvertFromUtf32(cp));
        }
        return text.ToString();
    }
}
