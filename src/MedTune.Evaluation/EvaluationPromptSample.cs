using MedTune.Manifest;

namespace MedTune.Evaluation;

/// <summary>
/// The first prompts the evaluation will send to a model, 0-shot, as <see cref="EvaluateStage"/> builds them: what the
/// export measures int4's cost on (<c>int4_cost.json</c>), so that the figure describes the questions the model will
/// actually be asked rather than a generic prompt set.
/// </summary>
public static class EvaluationPromptSample
{
    public const int Count = 8;

    /// <summary>
    /// The sample's name as records and reports show it, e.g. <c>datasets.eval[0] igakuqa: first 8 questions, 0-shot,
    /// alpaca_ja_option_text, filters {...}</c>. It is part of the export's key (with the dataset file), so it names
    /// everything that picks and words the prompts.
    /// </summary>
    public static string Describe(ExperimentManifest manifest)
    {
        var spec = manifest.Datasets.Eval[0];
        return $"datasets.eval[0] {EvaluateStage.DatasetName(spec)}: first {Count} questions, 0-shot, {manifest.Evaluate.Template}, " +
            $"filters {ManifestJson.Section(spec.Filters).ToJsonString()}";
    }

    public static IReadOnlyList<string> Read(ExperimentManifest manifest)
    {
        var questions = EvaluateStage.ReadDataset(manifest.Datasets.Eval[0]);
        if (questions.Count == 0)
            throw new ArgumentException($"datasets.eval[0] ({manifest.Datasets.Eval[0].Path}) has no questions after its filters, so int4's cost cannot be measured on it; loosen datasets.eval[0].filters.");
        var prompts = new EvaluationPromptBuilder(manifest.Evaluate.Template, []);
        return questions.Take(Count).Select(q => prompts.Build(q).Text).ToArray();
    }
}
