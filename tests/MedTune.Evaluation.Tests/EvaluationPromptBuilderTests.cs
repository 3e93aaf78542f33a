using MedTune.Testing;

namespace MedTune.Evaluation.Tests;

public class EvaluationPromptBuilderTests
{
    [Theory]
    [InlineData(EvaluationTemplates.AlpacaJaOptionText, 0)]
    [InlineData(EvaluationTemplates.AlpacaJaOptionText, 1)]
    [InlineData(EvaluationTemplates.StepByStep, 0)]
    [InlineData(EvaluationTemplates.StepByStep, 1)]
    [InlineData(EvaluationTemplates.IgakuQaLetters, 0)]
    [InlineData(EvaluationTemplates.IgakuQaLetters, 1)]
    public void Prompt_matches_snapshot(string template, int shots)
    {
        var exemplars = shots == 0 ? [] : new[] { Questions.Exemplar };
        var prompt = new EvaluationPromptBuilder(template, exemplars).Build(Questions.Double);
        Snapshot.Match(new { prompt.Text, prompt.StopStrings }, $"{template}_{shots}shot");
    }

    [Fact]
    public void Option_text_prompt_ends_at_the_response_marker_and_stops_at_newline()
    {
        var prompt = new EvaluationPromptBuilder(EvaluationTemplates.AlpacaJaOptionText, []).Build(Questions.Single);
        Assert.EndsWith("### 応答：\n", prompt.Text);
        Assert.Contains("a: 発熱\nb: 下痢\nc: 腹痛\nd: 嘔吐\ne: 血便", prompt.Text);
        Assert.Equal(["\n", "### "], prompt.StopStrings);
    }

    [Fact]
    public void One_shot_exemplar_answer_is_the_gold_option_text()
    {
        var prompt = new EvaluationPromptBuilder(EvaluationTemplates.AlpacaJaOptionText, [Questions.Exemplar]).Build(Questions.Single);
        Assert.Contains("### 応答：\n研究成果還元の保証\n\n### 指示：", prompt.Text);
    }

    [Fact]
    public void Letters_exemplar_for_two_answers_is_comma_separated()
    {
        var exemplar = new FewShotExemplar(Questions.Double, null);
        var prompt = new EvaluationPromptBuilder(EvaluationTemplates.IgakuQaLetters, [exemplar]).Build(Questions.Single);
        Assert.Contains("答え: a,b\n\n問題: ", prompt.Text);
        Assert.EndsWith("e: 血便\n答え:", prompt.Text);
    }

    [Fact]
    public void Unknown_template_is_rejected_with_the_valid_names()
    {
        var error = Assert.Throws<ArgumentException>(() => new EvaluationPromptBuilder("alpaca", []));
        Assert.Contains("alpaca_ja_option_text", error.Message);
        Assert.Contains("evaluate.template", error.Message);
    }

    [Fact]
    [Trait("Category", "SharedData")]
    public void Reads_igakuqa_fewshot_file_with_explanations()
    {
        var exemplars = FewShotExemplar.Load(SharedData.Require("igakuqa", "fewshot-prompt.jsonl"));
        Assert.Equal(3, exemplars.Count);
        Assert.Equal("100E5", exemplars[0].Question.ProblemId);
        Assert.StartsWith("ａ～ｄ", exemplars[0].Explanation);
        Assert.Equal(["a", "b"], exemplars[1].Question.Answer);
    }
}
