using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using MedTune.Manifest;

namespace MedTune.Scoring;

/// <summary>
/// Reads exam questions from one <c>.jsonl</c> file or from an IgakuQA-layout directory
/// (every <c>NNN-X.jsonl</c> below it, joined with <c>NNN-X_metadata.jsonl</c> by problem id).
/// Order is deterministic: files by relative path (ordinal), then line.
/// </summary>
public static partial class ExamQuestionReader
{
    [GeneratedRegex(@"^(\d{3})-([A-Za-z])\.jsonl$")]
    private static partial Regex SectionFileName();

    [GeneratedRegex(@"^(\d{3})([A-Z])\d+$")]
    private static partial Regex SectionProblemId();

    [GeneratedRegex(@"^(19|20)\d\d$")]
    private static partial Regex YearDirectoryName();

    /// <summary>Reads and filters the questions.</summary>
    /// <param name="skipInvalid">Skip malformed question lines (reported in <see cref="ExamQuestionSet.Warnings"/>) instead of failing.</param>
    public static ExamQuestionSet Read(string path, DatasetFilters? filters = null, bool skipInvalid = false)
    {
        var warnings = new List<string>();
        var all = ReadAll(path, warnings, skipInvalid);
        var kept = Apply(all, filters);
        var keptIds = kept.Select(q => q.ProblemId).ToHashSet(StringComparer.Ordinal);
        var excluded = all.Select(q => q.ProblemId).Where(id => !keptIds.Contains(id)).ToHashSet(StringComparer.Ordinal);
        return new ExamQuestionSet(path, kept, all.Count, filters, warnings, excluded);
    }

    /// <summary>Every question under <paramref name="path"/>, unfiltered; problem ids must be unique.</summary>
    public static IReadOnlyList<ExamQuestion> ReadAll(string path) => ReadAll(path, new List<string>(), skipInvalid: false);

    private static IReadOnlyList<ExamQuestion> ReadAll(string path, List<string> warnings, bool skipInvalid)
    {
        var files = QuestionFiles(path);
        var questions = new List<ExamQuestion>();
        var seen = new Dictionary<string, ExamQuestion>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            foreach (var question in ReadFile(file, warnings, skipInvalid))
            {
                if (seen.TryGetValue(question.ProblemId, out var first))
                    throw new ExamDataException(file, question.SourceLine,
                        $"problem_id '{question.ProblemId}' already read from {first.SourceFile}:{first.SourceLine}; problem ids must be unique within one question set.");
                seen.Add(question.ProblemId, question);
                questions.Add(question);
            }
        }
        return questions;
    }

    private static IReadOnlyList<string> QuestionFiles(string path)
    {
        if (File.Exists(path)) return new[] { path };
        if (!Directory.Exists(path))
            throw new ExamDataException(path, null, "no such file or directory; pass a question .jsonl file or an IgakuQA-layout directory.");
        var files = Directory.EnumerateFiles(path, "*.jsonl", SearchOption.AllDirectories)
            .Where(f => SectionFileName().IsMatch(Path.GetFileName(f)))
            .OrderBy(f => Path.GetRelativePath(path, f), StringComparer.Ordinal)
            .ToList();
        if (files.Count == 0)
        {
            var others = Directory.EnumerateFiles(path, "*.jsonl", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(path, f)).Order(StringComparer.Ordinal).ToList();
            throw new ExamDataException(path, null,
                "a question directory is read in the IgakuQA layout: every NNN-X.jsonl below it (e.g. 2018/112-A.jsonl), and none is here"
                + (others.Count == 0 ? "; point the path at a question .jsonl file."
                    : $". It holds {string.Join(", ", others.Take(5))}{(others.Count > 5 ? $" and {others.Count - 5} more" : "")}: point the path at one file (e.g. {Path.Combine(path, others[0])}), or rename the files NNN-X.jsonl."));
        }
        return files;
    }

    /// <summary>Questions of one file, in line order, with year/section/category attached.</summary>
    private static IReadOnlyList<ExamQuestion> ReadFile(string file, List<string> warnings, bool skipInvalid)
    {
        var fileMatch = SectionFileName().Match(Path.GetFileName(file));
        string? fileSection = fileMatch.Success ? $"{fileMatch.Groups[1].Value}-{fileMatch.Groups[2].Value.ToUpperInvariant()}" : null;
        int? year = YearOf(file, fileMatch);
        var categories = fileMatch.Success ? ReadCategories(MetadataFileFor(file)) : new Dictionary<string, string>();

        var questions = new List<ExamQuestion>();
        int lineNumber = 0;
        foreach (var decoded in StrictUtf8Lines.Read(file))
        {
            lineNumber++;
            var line = decoded ?? "";
            if (decoded is not null && string.IsNullOrWhiteSpace(line)) continue;
            QuestionRecord record;
            try
            {
                record = decoded is null
                    ? throw new ExamDataException(file, lineNumber, "not valid UTF-8; save the file as UTF-8")
                    : QuestionRecord.Parse(file, lineNumber, line);
            }
            catch (ExamDataException e) when (skipInvalid)
            {
                warnings.Add("skipped " + e.Message);
                continue;
            }
            if (record.SkipReason is not null)
            {
                warnings.Add($"{file}:{lineNumber}: {record.SkipReason}");
                continue;
            }
            if (record.Repair is not null) warnings.Add($"{file}:{lineNumber}: {record.Repair}");
            string? section = fileSection ?? SectionFromProblemId(record.ProblemId);
            questions.Add(new ExamQuestion(record.ProblemId, record.Text, record.Choices, record.Answer, record.Points,
                record.TextOnly, year, section, categories.GetValueOrDefault(record.ProblemId), file, lineNumber));
        }
        return questions;
    }

    private static string? SectionFromProblemId(string problemId)
    {
        var m = SectionProblemId().Match(problemId);
        return m.Success ? $"{m.Groups[1].Value}-{m.Groups[2].Value}" : null;
    }

    // Year from the directory (IgakuQA keeps 2018/112-A.jsonl) or, for an IgakuQA section file
    // elsewhere, from the medical licensing exam number (exam N was held in 1906 + N: 112 -> 2018).
    private static int? YearOf(string file, Match sectionFile)
    {
        var directory = Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(file)) ?? "");
        if (YearDirectoryName().IsMatch(directory)) return int.Parse(directory, CultureInfo.InvariantCulture);
        if (sectionFile.Success) return 1906 + int.Parse(sectionFile.Groups[1].Value, CultureInfo.InvariantCulture);
        return null;
    }

    private static string MetadataFileFor(string questionFile) =>
        Path.Combine(Path.GetDirectoryName(questionFile) ?? ".", Path.GetFileNameWithoutExtension(questionFile) + "_metadata.jsonl");

    private static Dictionary<string, string> ReadCategories(string metadataFile)
    {
        var categories = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!File.Exists(metadataFile)) return categories;
        int lineNumber = 0;
        foreach (var line in File.ReadLines(metadataFile))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                using var doc = JsonDocument.Parse(line);
                var root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("problem_id", out var id) || id.ValueKind != JsonValueKind.String)
                    throw new ExamDataException(metadataFile, lineNumber, "metadata record needs a string \"problem_id\".");
                if (root.TryGetProperty("category", out var category) && category.ValueKind == JsonValueKind.String && category.GetString() is { Length: > 0 } name)
                    categories[id.GetString()!] = name;
            }
            catch (JsonException e)
            {
                throw new ExamDataException(metadataFile, lineNumber, JsonLineErrors.Describe(e), e);
            }
        }
        return categories;
    }

    private static IReadOnlyList<ExamQuestion> Apply(IReadOnlyList<ExamQuestion> questions, DatasetFilters? filters)
    {
        if (filters is null) return questions;
        IEnumerable<ExamQuestion> kept = questions;
        if (filters.TextOnly is bool textOnly) kept = kept.Where(q => q.TextOnly == textOnly);
        if (filters.Choices is int choices) kept = kept.Where(q => q.Choices.Count == choices);
        if (filters.Years.Count > 0) kept = kept.Where(q => q.Year is int y && filters.Years.Contains(y));
        if (filters.Sections.Count > 0) kept = kept.Where(q => filters.Sections.Any(s => SectionMatches(q.Section, s)));
        if (filters.Limit is int limit) kept = kept.Take(limit);
        return kept.ToList();
    }

    /// <summary>True when a section filter entry (<c>112-A</c> or just <c>A</c>) selects <paramref name="section"/>.</summary>
    public static bool SectionMatches(string? section, string filter)
    {
        if (section is null) return false;
        if (string.Equals(section, filter, StringComparison.OrdinalIgnoreCase)) return true;
        int dash = section.IndexOf('-');
        return dash >= 0 && string.Equals(section[(dash + 1)..], filter, StringComparison.OrdinalIgnoreCase);
    }
}
