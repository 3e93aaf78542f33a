using MedTune.Inference;

namespace MedTune.Evaluation.Tests;

public class ExamEvaluatorTests
{
    private static string AnswerFor(string prompt) =>
        prompt.Contains("急性虫垂炎") ? "腹痛\n"               // exact
        : prompt.Contains("マンホール") ? "酸素欠乏症,硫化水素中毒" // exact, two answers
        : "悪性腫瘍";                                          // closest to 悪性新生物 but not exact

    [Fact]
    public void Fake_generator_gives_the_expected_metric_values()
    {
        var settings = new EvaluationSettings { Decoding = new DecodingOptions { BatchSize = 2 }, BootstrapResamples = 200, Seed = 7 };
        using var generator = new FakeTextGenerator(AnswerFor);
        var result = new ExamEvaluator(generator, settings).Evaluate([Questions.Single, Questions.Double, Questions.Third]);

        Assert.Equal([1.0, 1.0, 1.0], result.Predictions.Select(p => p.Metrics["accuracy"]));
        Assert.Equal([1.0, 1.0, 0.0], result.Predictions.Select(p => p.Metrics["exact_match"]));
        Assert.Equal(4.0 / 9, result.Predictions[2].Metrics["gestalt_score"], 12); // 悪性 shared: 2*2/(4+5)
        Assert.Equal(1.0, result.Scores.Summary["accuracy"].Mean);
        Assert.Equal(2.0 / 3, result.Scores.Summary["exact_match"].Mean, 12);
        Assert.Equal((2 + 4.0 / 9) / 3, result.Scores.Summary["gestalt_score"].Mean, 12);
        Assert.Equal(3, result.Scores.N);
        Assert.Equal("a", result.Predictions[2].Picked);
    }

    [Fact]
    public void Predictions_record_prompt_hash_raw_output_and_finish_reason_and_batches_generation()
    {
        var settings = new EvaluationSettings { Decoding = new DecodingOptions { BatchSize = 2, MaxNewTokens = 16 }, BootstrapResamples = 10 };
        using var generator = new FakeTextGenerator(AnswerFor);
        var result = new ExamEvaluator(generator, settings).Evaluate([Questions.Single, Questions.Double, Questions.Third]);

        Assert.Equal([2, 1], generator.GenerateCalls.Select(c => c.Count));
        Assert.Equal(["\n", "### "], generator.LastOptions!.StopStrings);
        var first = result.Predictions[0];
        Assert.Equal("112A1", first.ProblemId);
        Assert.Equal(ExamEvaluator.Sha256Hex(generator.GenerateCalls[0][0]), first.PromptSha256);
        Assert.Equal(generator.GenerateCalls[0][0], first.Prompt);
        Assert.Equal("腹痛\n", first.RawOutput);
        Assert.Equal("腹痛", first.Response);
        Assert.Equal("eos", first.FinishReason);
        Assert.Equal(3, first.GeneratedTokens);
        Assert.Equal("腹痛", first.Gold);
    }

    [Fact]
    public void Letter_template_scores_letters_and_exam_points()
    {
        var settings = new EvaluationSettings { Template = EvaluationTemplates.IgakuQaLetters, Metrics = ["letter"], BootstrapResamples = 10 };
        using var generator = new FakeTextGenerator(p => p.Contains("マンホール") ? " a,b" : " d");
        var result = new ExamEvaluator(generator, settings).Evaluate([Questions.Single, Questions.Double]);

        Assert.Equal([0.0, 1.0], result.Predictions.Select(p => p.Metrics["letter_accuracy"]));
        Assert.False(result.Predictions[0].Metrics.ContainsKey("accuracy"));
        Assert.Equal(new MedTune.Scoring.ExamPointsTotal(1, 2), result.Scores.ExamPoints);
    }

    [Fact]
    public void Shuffled_options_are_scored_against_the_remapped_answer()
    {
        var settings = new EvaluationSettings { ShuffleOptions = true, Seed = 3, BootstrapResamples = 10 };
        using var generator = new FakeTextGenerator(AnswerFor);
        var result = new ExamEvaluator(generator, settings).Evaluate([Questions.Single, Questions.Double]);

        // The option texts are the same, so the same free-text answers are still right.
        Assert.All(result.Predictions, p => Assert.Equal(1.0, p.Metrics["accuracy"]));
        var shuffled = OptionShuffler.Shuffle(Questions.Single, 3);
        Assert.Equal(shuffled.Answer, result.Predictions[0].Answer);
    }
}
