using System.Collections;
using MedTune.Manifest;

namespace MedTune.Scoring;

/// <summary>The questions kept after filtering, with what was read and how it was filtered (for reports).</summary>
public sealed class ExamQuestionSet : IReadOnlyList<ExamQuestion>
{
    private readonly IReadOnlyList<ExamQuestion> _questions;

    public ExamQuestionSet(string sourcePath, IReadOnlyList<ExamQuestion> questions, int totalRead, DatasetFilters? filters,
        IReadOnlyList<string>? warnings = null, IReadOnlyCollection<string>? excludedIds = null)
    {
        ExcludedIds = excludedIds ?? Array.Empty<string>();
        Warnings = warnings ?? Array.Empty<string>();
        SourcePath = sourcePath;
        _questions = questions;
        TotalRead = totalRead;
        Filters = filters;
    }

    /// <summary>The file or directory the questions were read from.</summary>
    public string SourcePath { get; }
    /// <summary>Number of questions in the source before filtering.</summary>
    public int TotalRead { get; }
    public DatasetFilters? Filters { get; }
    /// <summary>Problem ids read from the source but left out by the filters (predictions for them are not "unknown").</summary>
    public IReadOnlyCollection<string> ExcludedIds { get; }
    /// <summary>Records repaired or skipped while reading, one line each (file:line: what).</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>e.g. <c>text_only, 5 choices: 1455 of 2000 questions</c>.</summary>
    public string FilterDescription => $"{DescribeFilters(Filters)}: {Count} of {TotalRead} questions";

    public static string DescribeFilters(DatasetFilters? filters)
    {
        if (filters is null) return "no filter";
        var parts = new List<string>();
        if (filters.TextOnly == true) parts.Add("text_only");
        if (filters.TextOnly == false) parts.Add("text_only=false");
        if (filters.Choices is int choices) parts.Add($"{choices} choices");
        if (filters.Years.Count > 0) parts.Add("years " + string.Join(",", filters.Years.Order()));
        if (filters.Sections.Count > 0) parts.Add("sections " + string.Join(",", filters.Sections));
        if (filters.Limit is int limit) parts.Add($"first {limit}");
        return parts.Count == 0 ? "no filter" : string.Join(", ", parts);
    }

    public ExamQuestion this[int index] => _questions[index];
    public int Count => _questions.Count;
    public IEnumerator<ExamQuestion> GetEnumerator() => _questions.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
