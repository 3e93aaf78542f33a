using MedTune.Scoring;

namespace MedTune.Evaluation;

/// <summary>How a gold answer is written in a prompt (few-shot exemplars) for each template.</summary>
public static class AnswerText
{
    /// <summary>The gold string g of the metric spec: option texts joined by ',' (the number for numeric questions).</summary>
    public static string OptionText(ExamQuestion question) =>
        ResponseScorer.GoldString(question, question.GoldAlternatives[0]);

    /// <summary>Letters like <c>a,c</c> (IgakuQA release format), or the number for numeric questions.</summary>
    public static string Letters(ExamQuestion question) => string.Join(",", question.GoldAlternatives[0]);
}
