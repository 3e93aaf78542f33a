namespace MedTune.Evaluation.Tests;

public class ResponseParserTests
{
    [Fact]
    public void Step_by_step_takes_the_last_answer_line()
    {
        var continuation = "腹痛は初発症状である。\n答え: 発熱\n見直すと\n答え：腹痛\n";
        Assert.Equal("腹痛", ResponseParser.Extract(EvaluationTemplates.StepByStep, continuation));
    }

    [Fact]
    public void Step_by_step_without_answer_line_falls_back_to_the_last_line()
    {
        Assert.Equal("たぶん腹痛", ResponseParser.Extract(EvaluationTemplates.StepByStep, "考える。\nたぶん腹痛\n\n"));
    }

    [Fact]
    public void Option_text_takes_the_first_non_empty_line_after_a_repeated_marker()
    {
        Assert.Equal("腹痛", ResponseParser.Extract(EvaluationTemplates.AlpacaJaOptionText, "\n### 応答：\n 腹痛 \n発熱"));
        Assert.Equal("腹痛", ResponseParser.Extract(EvaluationTemplates.AlpacaJaOptionText, "  腹痛\n"));
    }

    [Fact]
    public void Extraction_ignores_few_shot_exemplar_answers_in_the_prompt()
    {
        // The exemplar's "答え: 研究成果還元の保証" is in the prompt; the model wrote no answer line.
        var settings = new EvaluationSettings { Template = EvaluationTemplates.StepByStep, Exemplars = [Questions.Exemplar], BootstrapResamples = 10 };
        string? seenPrompt = null;
        using var generator = new FakeTextGenerator(prompt => { seenPrompt = prompt; return "よく分からない"; });
        var result = new ExamEvaluator(generator, settings).Evaluate([Questions.Single]);

        Assert.Contains("答え: 研究成果還元の保証", seenPrompt);
        Assert.Equal("よく分からない", result.Predictions[0].Response);
        Assert.Equal(0, result.Predictions[0].Metrics["exact_match"]);
    }
}
