namespace MedTune.Evaluation.Tests;

public class LoglikOptionScorerTests
{
    [Fact]
    public void Picks_the_option_with_the_best_log_probability_per_byte_not_per_sequence()
    {
        var question = Questions.Make("q1", "どれか。", ["腹痛", "血便を伴う下痢", "発熱"], "b");
        // Totals: 腹痛 -3.6 (6 bytes, -0.6/byte), 血便を伴う下痢 -6.3 (21 bytes, -0.3/byte), 発熱 -9 (-1.5/byte).
        var totals = new Dictionary<string, double> { ["腹痛"] = -3.6, ["血便を伴う下痢"] = -6.3, ["発熱"] = -9 };
        using var generator = new FakeTextGenerator(_ => "", (_, option) => totals[option]);

        var choice = LoglikOptionScorer.Choose(generator, [question], ["prompt"])[0]!;

        Assert.Equal(["b"], choice.PickedLetters);
        Assert.True(choice.Correct);
        Assert.Equal(-0.3, choice.PerByteLogProbabilities[1], 12);
    }

    [Fact]
    public void Picks_the_top_k_options_for_a_k_answer_question()
    {
        var perByte = new Dictionary<string, double> { ["酸素欠乏症"] = -0.2, ["硫化水素中毒"] = -0.1, ["一酸化炭素中毒"] = -0.5, ["二酸化炭素中毒"] = -0.9, ["二酸化窒素中毒"] = -0.3 };
        using var generator = new FakeTextGenerator(_ => "", (_, option) => perByte[option] * System.Text.Encoding.UTF8.GetByteCount(option));

        var choice = LoglikOptionScorer.Choose(generator, [Questions.Double], ["prompt"])[0]!;

        Assert.Equal(["a", "b"], choice.PickedLetters);
        Assert.True(choice.Correct);
    }

    [Fact]
    public void Loglik_accuracy_is_its_own_column_scored_against_the_prompt()
    {
        string? context = null;
        using var generator = new FakeTextGenerator(_ => "発熱", (ctx, option) => { context = ctx; return option == "腹痛" ? -1 : -50; });
        var settings = new EvaluationSettings { Metrics = ["accuracy", "loglik"], BootstrapResamples = 10 };

        var result = new ExamEvaluator(generator, settings).Evaluate([Questions.Single]);

        Assert.Equal(0.0, result.Predictions[0].Metrics["accuracy"]);
        Assert.Equal(1.0, result.Predictions[0].Metrics["loglik_accuracy"]);
        Assert.Equal("c", result.Predictions[0].LoglikPicked);
        Assert.Equal(1.0, result.Scores.Summary["loglik_accuracy"].Mean);
        Assert.EndsWith("### 応答：\n", context);
    }
}
