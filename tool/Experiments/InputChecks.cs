using MedTune.Checkpoints;
using MedTune.Checkpoints.Tokenization;
using MedTune.Evaluation;
using MedTune.Manifest;
using MedTune.Scoring;
using MedTune.Training;

namespace MedTune.Tool.Experiments;

/// <summary>
/// What <c>validate</c> and the start of <c>run</c> check beyond the manifest itself, so that a run does not fail late
/// (after training or export): every dataset parses (eval files in the IgakuQA layout, JSON lines, the declared
/// format), the filters leave questions, the model directory has a usable config.json and safetensors weights, and
/// <c>lora.target_modules</c> name layers the model has. Reading stays cheap: data files are parsed, weights are not
/// loaded (only their headers). The checks themselves live in the libraries that own each format; this only calls them.
/// </summary>
public static class InputChecks
{
    /// <summary>Every problem found, one line each, naming the manifest key and the file (and line); empty when all is well.</summary>
    public static IReadOnlyList<string> Find(ExperimentManifest manifest)
    {
        var problems = new List<string>();
        var tuned = manifest.Evaluate.Models.Contains("tuned");
        if (tuned)
            for (var i = 0; i < manifest.Datasets.Train.Count; i++)
                Try(problems, $"datasets.train[{i}]", () => InstructionDatasetReader.Read(manifest.Datasets.Train[i]));
        for (var i = 0; i < manifest.Datasets.Eval.Count; i++)
        {
            var spec = manifest.Datasets.Eval[i];
            Try(problems, $"datasets.eval[{i}]", () =>
            {
                var questions = EvaluateStage.ReadDataset(spec);
                if (questions.Count == 0)
                    throw new ExamDataException(spec.ResolvedPath ?? spec.Path, null,
                        $"no questions left after the filters ({questions.FilterDescription}); loosen datasets.eval[{i}].filters.");
            });
        }
        if (manifest.Evaluate.ResolvedFewshotPath is { } fewshot)
            Try(problems, "evaluate.fewshot_path", () => FewShotExemplar.Load(fewshot));
        CheckModel(manifest, problems, tuned);
        return problems;
    }

    private static void CheckModel(ExperimentManifest manifest, List<string> problems, bool tuned)
    {
        if (manifest.Model.IsBuiltin)
        {
            if (tuned && LoraTargets.CheckAgainstTensors(manifest.Lora.TargetModules, LoraTargets.BuiltinLinears(manifest.Model.Base)) is { } error)
                problems.Add($"{error} ({manifest.Model.Base})");
            return;
        }
        var directory = manifest.Model.ResolvedBasePath!;
        Try(problems, "model.base", () =>
        {
            var config = ModelConfig.Load(Path.Combine(directory, "config.json"));
            using var weights = CheckpointWeights.Open(directory);
            if (tuned && LoraTargets.CheckAgainstTensors(manifest.Lora.TargetModules, weights.Names.Select(n => (n, weights.Info(n).Shape.Length))) is { } error)
                throw new CheckpointException($"{error} ({directory})");
            CheckTokenizer(directory, config);
        });
    }

    /// <summary>The tokenizer loads and its ids fit the model's embedding (an id past vocab_size would fail mid-training).</summary>
    private static void CheckTokenizer(string directory, ModelConfig config)
    {
        var file = Path.Combine(directory, File.Exists(Path.Combine(directory, "tokenizer.json")) ? "tokenizer.json" : "tokenizer.model");
        TextTokenizer tokenizer;
        try { tokenizer = TextTokenizer.Load(directory); }
        catch (Exception e) when (e is not (OperationCanceledException or FileNotFoundException))
        {
            var reason = (e as System.Text.Json.JsonException ?? e.InnerException as System.Text.Json.JsonException) is { } json
                ? JsonLineErrors.Reason(json) : e.Message;
            throw new CheckpointException($"{file}: cannot be read as a tokenizer: {reason}. Re-save it with the model's tokenizer (save_pretrained).", e);
        }
        if (tokenizer.VocabSize > config.VocabSize)
            throw new CheckpointException($"{file}: the tokenizer has {tokenizer.VocabSize} ids but config.json vocab_size is {config.VocabSize}; "
                                          + "every token id must be below vocab_size (wrong tokenizer for this model?).");
    }

    private static void Try(List<string> problems, string key, Action check)
    {
        try { check(); }
        catch (Exception e) when (e is ExamDataException or DatasetException or CheckpointException or FileNotFoundException
                                      or DirectoryNotFoundException or ArgumentException or InvalidDataException)
        {
            problems.Add($"{key}: {e.Message}");
        }
    }

    /// <summary>Throws <see cref="InputDataException"/> (exit 2) listing every problem.</summary>
    public static void Require(ExperimentManifest manifest)
    {
        var problems = Find(manifest);
        if (problems.Count > 0) throw new InputDataException(manifest.ManifestPath, problems);
    }
}

/// <summary>The data or model a manifest points at cannot be used (exit 2); the message lists every problem.</summary>
public sealed class InputDataException(string manifestPath, IReadOnlyList<string> problems)
    : Exception($"{Path.GetRelativePath(Directory.GetCurrentDirectory(), manifestPath)}: {problems.Count} problem(s) with the data or model it names:\n"
                + string.Join("\n", problems.Select(p => "  " + p)))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
