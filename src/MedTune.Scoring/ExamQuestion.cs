namespace MedTune.Scoring;

/// <summary>One exam question (IgakuQA, JJSIMQA, DenQA share the record format).</summary>
/// <param name="ProblemId">e.g. <c>112A1</c>.</param>
/// <param name="Text">The question text (<c>problem_text</c>).</param>
/// <param name="Choices">Option texts in letter order (a, b, ...); empty for questions answered with a number.</param>
/// <param name="Answer">Gold answer as in the file: letters (<c>["a","c"]</c>), a number (<c>["26"]</c>) or,
/// once in IgakuQA (112B30), alternatives (<c>["a or d"]</c>).</param>
/// <param name="Points">Exam points (0, 1 or 3 in IgakuQA); null when the file has none (few-shot exemplars).</param>
/// <param name="TextOnly">False when the original question shows an image the data lacks.</param>
/// <param name="Year">Exam year (from the directory name, or from the IgakuQA exam number 112 -&gt; 2018); null when unknown.</param>
/// <param name="Section">e.g. <c>112-A</c>, from the file name or the problem id; null when neither has one.</param>
/// <param name="Category">Clinical category from <c>NNN-X_metadata.jsonl</c>; null when absent.</param>
/// <param name="SourceFile">The file the question was read from.</param>
/// <param name="SourceLine">1-based line in <paramref name="SourceFile"/>.</param>
public sealed record ExamQuestion(
    string ProblemId,
    string Text,
    IReadOnlyList<string> Choices,
    IReadOnlyList<string> Answer,
    double? Points,
    bool TextOnly,
    int? Year,
    string? Section,
    string? Category,
    string SourceFile,
    int SourceLine)
{
    /// <summary>Letter of the option at <paramref name="index"/> (0 -&gt; "a").</summary>
    public static string LetterOf(int index) => ((char)('a' + index)).ToString();

    /// <summary>
    /// The options one a line, <c>a: 選択肢</c>: the one rendering of options that training on exam records and
    /// every evaluation prompt share, so a model is asked the way it was taught.
    /// </summary>
    public static string OptionLines(IReadOnlyList<string> choices) =>
        string.Join("\n", choices.Select((choice, i) => LetterOf(i) + ": " + choice));

    /// <summary>Index of an option letter (<c>"a"</c> -&gt; 0), or -1 when it is not a single lower-case letter.</summary>
    public static int IndexOf(string letter) => letter.Length == 1 && letter[0] is >= 'a' and <= 'z' ? letter[0] - 'a' : -1;

    /// <summary>True when the gold answer is a number rather than option letters.</summary>
    public bool HasNumericAnswer => Choices.Count == 0;

    /// <summary>
    /// The acceptable gold answers, each a letter-sorted set. One entry normally; several when the file
    /// writes alternatives (<c>"a or d"</c> -&gt; <c>[["a"], ["d"]]</c>).
    /// </summary>
    public IReadOnlyList<IReadOnlyList<string>> GoldAlternatives
    {
        get
        {
            if (Answer.Count == 1 && Answer[0].Contains(" or ", StringComparison.Ordinal))
                return Answer[0].Split(" or ").Select(part => (IReadOnlyList<string>)new[] { part.Trim() }).ToArray();
            return new[] { (IReadOnlyList<string>)Answer.Order(StringComparer.Ordinal).ToArray() };
        }
    }
}
