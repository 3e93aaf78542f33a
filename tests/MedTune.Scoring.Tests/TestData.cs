using MedTune.Testing;

namespace MedTune.Scoring.Tests;

/// <summary>Shared exam data (required: CI has it) and the committed fixtures.</summary>
internal static class TestData
{
    private static readonly Lazy<IReadOnlyList<ExamQuestion>> AllIgakuQa =
        new(() => ExamQuestionReader.ReadAll(IgakuQaDirectory));
    private static readonly Lazy<IReadOnlyList<ExamQuestion>> AllJjsimQa =
        new(() => ExamQuestionReader.ReadAll(SharedData.Require("jjsimqa", "jjsimqa.jsonl")));

    public static string IgakuQaDirectory => SharedData.Require("igakuqa");

    /// <summary>All 2000 IgakuQA 2018-2022 questions, unfiltered.</summary>
    public static IReadOnlyList<ExamQuestion> IgakuQa => AllIgakuQa.Value;
    public static IReadOnlyList<ExamQuestion> JjsimQa => AllJjsimQa.Value;

    public static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);
}
