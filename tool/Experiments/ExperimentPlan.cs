using System.Text.Json.Nodes;
using MedTune.Evaluation;
using MedTune.Evaluation.Contamination;
using MedTune.Export;
using MedTune.Manifest;
using MedTune.Pipeline;
using MedTune.Reporting;
using MedTune.Training;

namespace MedTune.Tool.Experiments;

/// <summary>
/// Turns a manifest into its stage graph:
/// <code>
/// [base-model] → train → merge → export-tuned → evaluate-tuned ┐
///      └──────────────────────→ export-base  → evaluate-base  ┴→ report
///                                              contamination ─┘
/// </code>
/// <c>base-model</c> exists only for builtin models (it materialises the tiny checkpoint into the cache);
/// a base model on disk is an input path instead. Stages for a model that <c>evaluate.models</c> does
/// not ask for are left out, so a base-only evaluation never trains.
/// </summary>
public static class ExperimentPlan
{
    public const string BaseModel = "base-model";
    public const string Train = "train";
    public const string Merge = "merge";
    public const string Report = "report";
    public const string Contamination = "contamination";
    public static string ExportOf(string label) => "export-" + label;
    public static string EvaluateOf(string label) => "evaluate-" + label;

    public static IReadOnlyList<StageDefinition> Build(ExperimentManifest manifest)
    {
        var stages = new List<StageDefinition>();
        var baseInputs = new Inputs();
        ModelReference baseModel;
        if (manifest.Model.IsBuiltin)
        {
            stages.Add(Define(BaseModel, new BuiltinModelStage(manifest), BuiltinModelStage.ConfigFor(manifest), new Inputs(), []));
            baseModel = ModelReference.FromStage(BaseModel);
        }
        else
        {
            baseModel = ModelReference.FromPath(manifest.Model.ResolvedBasePath!);
            baseInputs.Add("model.base", manifest.Model.ResolvedBasePath!);
        }
        var baseDeps = manifest.Model.IsBuiltin ? new[] { BaseModel } : [];

        // Train/eval overlap, measured before anything is evaluated (run --fail-on-contamination stops here).
        string? contamination = null;
        if (manifest.Datasets.Train.Count > 0 && manifest.Datasets.Eval.Count > 0)
        {
            var overlapInputs = new Inputs();
            for (var i = 0; i < manifest.Datasets.Train.Count; i++)
                overlapInputs.Add($"datasets.train[{i}]", manifest.Datasets.Train[i].ResolvedPath!);
            for (var i = 0; i < manifest.Datasets.Eval.Count; i++)
                overlapInputs.Add($"datasets.eval[{i}]", manifest.Datasets.Eval[i].ResolvedPath!);
            stages.Add(Define(Contamination, new ContaminationStage(manifest, TrainingTexts), ContaminationStage.ConfigFor(manifest), overlapInputs, []));
            contamination = Contamination;
        }

        var labels = manifest.Evaluate.Models;
        var evaluated = new Dictionary<string, string>(StringComparer.Ordinal);
        string? train = null;
        if (labels.Contains("tuned"))
        {
            var trainInputs = baseInputs.Copy();
            for (var i = 0; i < manifest.Datasets.Train.Count; i++)
                trainInputs.Add($"datasets.train[{i}]", manifest.Datasets.Train[i].ResolvedPath!);
            stages.Add(Define(Train, new TrainStage(manifest, baseModel), TrainStage.ConfigFor(manifest), trainInputs, baseDeps));
            train = Train;
            stages.Add(Define(Merge, new MergeStage(manifest, baseModel, Train), MergeStage.ConfigFor(manifest), baseInputs, [.. baseDeps, Train]));
            AddExportAndEvaluate(stages, manifest, "tuned", ModelReference.FromStage(Merge), new Inputs(), [Merge]);
            evaluated["tuned"] = EvaluateOf("tuned");
        }
        if (labels.Contains("base"))
        {
            AddExportAndEvaluate(stages, manifest, "base", baseModel, baseInputs, baseDeps);
            evaluated["base"] = EvaluateOf("base");
        }

        // The report reads the export stages too: the measured int4 cost, and the GGUF files for llama.cpp / Ollama.
        var exported = evaluated.Keys.ToDictionary(label => label, ExportOf);
        stages.Add(Define(Report, new ReportStage(manifest, evaluated, train, exported, contamination), ReportStage.ConfigFor(manifest), new Inputs(),
            [.. evaluated.Values, .. exported.Values, .. train is null ? Array.Empty<string>() : [train], .. contamination is null ? Array.Empty<string>() : [contamination]]));
        return stages;
    }

    private static void AddExportAndEvaluate(List<StageDefinition> stages, ExperimentManifest manifest, string label,
        ModelReference model, Inputs modelInputs, string[] modelDeps)
    {
        var export = ExportOf(label);
        var (template, stops) = ModelfilePrompt(manifest);
        // An int4 export measures what quantization costs on the evaluation's own first prompts; their file is an input.
        Int4PromptSet? int4Prompts = null;
        var exportInputs = modelInputs;
        if (manifest.Export.Precision == "int4" && manifest.Datasets.Eval.Count > 0 && manifest.Datasets.Eval[0].Format == "exam")
        {
            int4Prompts = new Int4PromptSet(EvaluationPromptSample.Describe(manifest), () => EvaluationPromptSample.Read(manifest));
            exportInputs = modelInputs.Copy();
            exportInputs.Add("datasets.eval[0]", manifest.Datasets.Eval[0].ResolvedPath!);
        }
        stages.Add(Define(export, new ExportStage(manifest, model, template, stops, int4Prompts),
            ExportStage.ConfigFor(manifest, template, stops, int4Prompts?.Name), exportInputs, modelDeps));
        var evalInputs = new Inputs();
        for (var i = 0; i < manifest.Datasets.Eval.Count; i++)
            evalInputs.Add($"datasets.eval[{i}]", manifest.Datasets.Eval[i].ResolvedPath!);
        if (manifest.Evaluate.ResolvedFewshotPath is { } fewshot) evalInputs.Add("evaluate.fewshot_path", fewshot);
        stages.Add(Define(EvaluateOf(label), new EvaluateStage(manifest, export, label), EvaluateStage.ConfigFor(manifest), evalInputs, [export]));
    }

    /// <summary>
    /// The prompt the model is tuned with (the first training set's template), as Ollama's Modelfile TEMPLATE, and the
    /// marker that begins the template's next section, as its stop string.
    /// </summary>
    public static (string Template, IReadOnlyList<string> Stops) ModelfilePrompt(ExperimentManifest manifest)
    {
        var template = manifest.Datasets.Train.FirstOrDefault()?.Template ?? PromptTemplates.AlpacaJa;
        return (PromptTemplates.Format(template, "{{ .Prompt }}", null), ["###"]);
    }

    /// <summary>Every text field of one training set's records, as the train stage reads them.</summary>
    private static IEnumerable<string> TrainingTexts(DatasetSpec spec) =>
        InstructionDatasetReader.Read(spec).Examples.SelectMany(e => new[] { e.Instruction, e.Input, e.Output });

    private static StageDefinition Define(string name, IStage stage, JsonNode config, Inputs inputs, IReadOnlyList<string> dependsOn) =>
        new(name, stage, config, inputs.Paths, dependsOn) { InputNames = inputs.Names };

    /// <summary>Input files of a stage, by the logical name the lock file shows.</summary>
    private sealed class Inputs
    {
        public List<string> Names { get; } = [];
        public List<string> Paths { get; } = [];
        public void Add(string name, string path) { Names.Add(name); Paths.Add(path); }
        public Inputs Copy() { var c = new Inputs(); c.Names.AddRange(Names); c.Paths.AddRange(Paths); return c; }
    }
}
