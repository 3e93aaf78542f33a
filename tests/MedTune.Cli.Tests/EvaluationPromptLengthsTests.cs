using MedTune.Checkpoints.Tokenization;
using MedTune.Manifest;
using MedTune.Models;
using MedTune.Testing;
using MedTune.Tool.Experiments;

namespace MedTune.Cli.Tests;

/// <summary>plan sizes the evaluation's KV cache and prefill by the prompts the data really gives, not a guess.</summary>
public sealed class EvaluationPromptLengthsTests
{
    [Fact]
    public void Plan_measures_the_longest_evaluation_prompt_with_the_models_tokenizer()
    {
        using var work = new TempDirectory();
        BuiltinModels.Create("tiny-llama", work.File("model"), seed: 1);
        var zeroShot = ManifestLoader.Load(TestExperiments.Quickstart(work.File("zero"), ("base: builtin:tiny-llama", $"base: {work.File("model")}")));
        var oneShot = ManifestLoader.Load(TestExperiments.Quickstart(work.File("one"), ("base: builtin:tiny-llama", $"base: {work.File("model")}"),
            ("shots: 0 ", "shots: 1\n  fewshot_path: quickstart/fewshot.jsonl ")));

        var (tokens, source) = EvaluationPromptLengths.Longest(zeroShot);
        Assert.NotNull(tokens);
        Assert.StartsWith("the longest of the ", source);
        // At least as long as the first question's prompt, as the evaluation's tokenizer counts it.
        var first = TextTokenizer.Load(work.File("model")).Encode(Evaluation.EvaluationPromptSample.Read(zeroShot)[0], addBos: true).Count;
        Assert.True(tokens >= first, $"longest {tokens} < first prompt {first}");
        // An exemplar makes every prompt longer.
        Assert.True(EvaluationPromptLengths.Longest(oneShot).Tokens > tokens);

        var settings = ExperimentResources.SettingsFor(zeroShot, _ => "cpu");
        Assert.Equal(tokens, settings.PromptTokens);
        Assert.Contains(source, Pipeline.Planning.ResourceEstimator.Assumptions(settings)[1]);
    }

    [Fact]
    public void Without_readable_data_plan_assumes_512_tokens_per_item_and_says_why()
    {
        using var work = new TempDirectory();
        var builtin = ManifestLoader.Load(TestExperiments.Quickstart(work.Path));
        Assert.Null(EvaluationPromptLengths.Longest(builtin).Tokens);
        var settings = ExperimentResources.SettingsFor(builtin, _ => "cpu");
        Assert.Contains("512 per question and per few-shot exemplar: a builtin model", ResourceEstimatorAssumption(settings));
    }

    private static string ResourceEstimatorAssumption(Pipeline.Planning.PlanSettings settings) => Pipeline.Planning.ResourceEstimator.Assumptions(settings)[1];
}
