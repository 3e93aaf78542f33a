using MedTune.Checkpoints.Tokenization;
using MedTune.Evaluation;
using MedTune.Manifest;

namespace MedTune.Tool.Experiments;

/// <summary>
/// How long the evaluation's prompts really are, for <c>plan</c>'s KV-cache and prefill terms: every prompt
/// <see cref="EvaluateStage"/> will send (each question of <c>datasets.eval</c> after its filters, with the template and
/// the few-shot exemplars) is built and tokenized with the base model's tokenizer, and the longest counts. When the data
/// or the tokenizer cannot be read (a builtin model, <c>validate --no-check-files</c>, a missing file), plan falls back to
/// <see cref="ExperimentResources.PromptTokensPerItem"/> per question and per exemplar and says why.
/// </summary>
public static class EvaluationPromptLengths
{
    /// <summary>The longest prompt in tokens and how it was found, or null with the reason the data could not be read.</summary>
    public static (int? Tokens, string Source) Longest(ExperimentManifest manifest)
    {
        if (manifest.Model.IsBuiltin) return (null, "a builtin model");
        if (manifest.Datasets.Eval.Count == 0) return (null, "no datasets.eval");
        try
        {
            var tokenizer = TextTokenizer.Load(manifest.Model.ResolvedBasePath!);
            var settings = EvaluationSettings.FromManifest(manifest);
            var builder = new EvaluationPromptBuilder(settings.Template, settings.Exemplars);
            int longest = 0, count = 0;
            foreach (var spec in manifest.Datasets.Eval)
                foreach (var question in EvaluateStage.ReadDataset(spec))
                {
                    longest = Math.Max(longest, tokenizer.Encode(builder.Build(question).Text, addBos: true).Count);
                    count++;
                }
            return count == 0 ? (null, "datasets.eval has no questions after its filters") : (longest, $"the longest of the {count} evaluation prompts, tokenized");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return (null, $"the evaluation prompts could not be read ({e.Message.Split('\n')[0]})");
        }
    }
}
