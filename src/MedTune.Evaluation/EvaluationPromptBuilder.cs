using System.Text;
using MedTune.Scoring;

namespace MedTune.Evaluation;

/// <summary>
/// Renders an exam question (plus k worked exemplars) into the prompt of one evaluation template.
/// The model's answer is only ever read from the continuation, so exemplar answers in the prompt
/// can never be mistaken for the model's.
/// </summary>
public sealed class EvaluationPromptBuilder
{
    /// <summary>Marker that starts every Alpaca section; also a stop string (the model starting a new section).</summary>
    public const string SectionMarker = "### ";
    public const string FinalAnswerPrefix = "答え: ";

    private const string AlpacaPreamble = "以下は、タスクを説明する指示と、文脈のある入力の組み合わせです。要求を適切に満たす応答を書きなさい。";
    private const string StepByStepInstruction = "段階的に考えて理由を述べ、最後の行に「答え: 」に続けて正解の選択肢の文言をそのまま書きなさい。";
    private const string LettersQuestionPrefix = "問題: ";

    private readonly IReadOnlyList<FewShotExemplar> _exemplars;

    public EvaluationPromptBuilder(string template, IReadOnlyList<FewShotExemplar> exemplars)
    {
        Template = EvaluationTemplates.Validate(template);
        _exemplars = exemplars;
    }

    public string Template { get; }
    public int Shots => _exemplars.Count;

    public IReadOnlyList<string> StopStrings => Template switch
    {
        EvaluationTemplates.AlpacaJaOptionText => ["\n", SectionMarker],
        EvaluationTemplates.StepByStep => [SectionMarker],
        _ => ["\n", LettersQuestionPrefix],
    };

    public EvaluationPrompt Build(ExamQuestion question)
    {
        var text = Template == EvaluationTemplates.IgakuQaLetters ? BuildLetters(question) : BuildAlpaca(question);
        return new EvaluationPrompt(text, StopStrings);
    }

    private string BuildAlpaca(ExamQuestion question)
    {
        var sb = new StringBuilder(AlpacaPreamble).Append("\n\n");
        foreach (var exemplar in _exemplars)
        {
            AppendAlpacaBlock(sb, exemplar.Question);
            sb.Append(ExemplarResponse(exemplar)).Append("\n\n");
        }
        AppendAlpacaBlock(sb, question);
        return sb.ToString();
    }

    private void AppendAlpacaBlock(StringBuilder sb, ExamQuestion question)
    {
        var instruction = Template == EvaluationTemplates.StepByStep
            ? question.Text + "\n" + StepByStepInstruction
            : question.Text;
        sb.Append(SectionMarker).Append("指示：\n").Append(instruction).Append("\n\n");
        if (question.Choices.Count > 0)
            sb.Append(SectionMarker).Append("入力：\n").Append(OptionLines(question)).Append("\n\n");
        sb.Append(SectionMarker).Append("応答：\n");
    }

    private string ExemplarResponse(FewShotExemplar exemplar)
    {
        if (Template != EvaluationTemplates.StepByStep) return AnswerText.OptionText(exemplar.Question);
        var reasoning = string.IsNullOrWhiteSpace(exemplar.Explanation) ? "" : exemplar.Explanation.Trim() + "\n";
        return reasoning + FinalAnswerPrefix + AnswerText.OptionText(exemplar.Question);
    }

    private string BuildLetters(ExamQuestion question)
    {
        var sb = new StringBuilder();
        foreach (var exemplar in _exemplars)
        {
            AppendLettersBlock(sb, exemplar.Question);
            sb.Append(' ').Append(AnswerText.Letters(exemplar.Question)).Append("\n\n");
        }
        AppendLettersBlock(sb, question);
        return sb.ToString();
    }

    private static void AppendLettersBlock(StringBuilder sb, ExamQuestion question)
    {
        sb.Append(LettersQuestionPrefix).Append(question.Text).Append('\n');
        if (question.Choices.Count > 0) sb.Append(OptionLines(question)).Append('\n');
        // Ends at "答え:" (no trailing space, which BPE tokenisers split badly); the answer follows as " a,c".
        sb.Append(FinalAnswerPrefix.TrimEnd());
    }

    /// <summary>
    /// The template's text with placeholders (<c>{question}</c>, <c>{option a}</c>, …; exemplars as
    /// <c>{exemplar 1: question}</c>), rendered by the same code as real prompts: for docs/templates.md and the report.
    /// </summary>
    public static string Skeleton(string template, int shots, int choices = 5)
    {
        ExamQuestion Placeholder(string prefix) => new(
            "placeholder", $"{{{prefix}question}}", Enumerable.Range(0, choices).Select(i => $"{{{prefix}option {ExamQuestion.LetterOf(i)}}}").ToArray(),
            ["a"], null, true, null, null, null, "", 0);
        var exemplars = Enumerable.Range(1, shots)
            .Select(k => new FewShotExemplar(Placeholder($"exemplar {k}: "), $"{{exemplar {k}: explanation}}"))
            .ToArray();
        return new EvaluationPromptBuilder(template, exemplars).Build(Placeholder("")).Text;
    }

    /// <summary>Options one a line: <c>a: 選択肢</c>.</summary>
    public static string OptionLines(ExamQuestion question) => ExamQuestion.OptionLines(question.Choices);
}
