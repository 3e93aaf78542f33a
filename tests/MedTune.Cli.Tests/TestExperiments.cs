using MedTune.Testing;

namespace MedTune.Cli.Tests;

/// <summary>Copies of the quickstart experiment in a temporary directory, edited for one test.</summary>
internal static class TestExperiments
{
    /// <summary>The quickstart (manifest and data) copied into <paramref name="directory"/>, with text replacements applied to the manifest.</summary>
    public static string Quickstart(string directory, params (string From, string To)[] edits)
    {
        var path = QuickstartEndToEndTests.CopyQuickstart(directory);
        var yaml = File.ReadAllText(path);
        foreach (var (from, to) in edits)
        {
            Assert.True(yaml.Contains(from, StringComparison.Ordinal), $"quickstart.yaml no longer contains '{from}'");
            yaml = yaml.Replace(from, to, StringComparison.Ordinal);
        }
        File.WriteAllText(path, yaml);
        return path;
    }

    public static string QuickstartExam => Path.Combine(SharedData.RepoRoot, "experiments", "quickstart", "exam.jsonl");

    /// <summary>A question line in the IgakuQA record format.</summary>
    public static string Question(string id, int choices = 5, string answer = "a") =>
        $$"""{"problem_id": "{{id}}", "problem_text": "問題 {{id}}", "choices": [{{string.Join(", ", Enumerable.Range(0, choices).Select(i => $"\"選択肢{i}\""))}}], "answer": ["{{answer}}"], "text_only": true}""";

    /// <summary>Asserts what every bad-input error must look like: exit 2, the expected text, and no .NET internals.</summary>
    public static void AssertBadInput(CliRunner.Result result, params string[] expected)
    {
        Assert.True(result.ExitCode == 2, $"exit {result.ExitCode}, expected 2:\n{result.Output}");
        foreach (var text in expected) Assert.Contains(text, result.Output);
        foreach (var leak in new[] { "LineNumber:", "BytePositionInLine", "Nullable`1", "(Parameter '", "   at MedTune.", "Exception:" })
            Assert.DoesNotContain(leak, result.Output);
    }
}
