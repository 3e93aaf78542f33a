namespace MedTune.Scoring;

/// <summary>A question, metadata or prediction file that cannot be used; the message names the file and line.</summary>
public sealed class ExamDataException : Exception
{
    public string FilePath { get; }
    public int? Line { get; }

    public ExamDataException(string filePath, int? line, string problem, Exception? inner = null)
        : base(Format(filePath, line, problem), inner)
    {
        FilePath = filePath;
        Line = line;
    }

    private static string Format(string filePath, int? line, string problem) =>
        line is null ? $"{filePath}: {problem}" : $"{filePath}:{line}: {problem}";
}
