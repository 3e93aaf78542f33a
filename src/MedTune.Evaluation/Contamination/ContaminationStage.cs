using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using MedTune.Manifest;
using MedTune.Pipeline;

namespace MedTune.Evaluation.Contamination;

/// <summary>
/// The <c>contamination</c> stage: before anything is evaluated, measures every evaluation set against all the
/// training sets (<see cref="ContaminationCheck"/>) and writes <c>contamination.json</c>, which the report shows and
/// <c>medtune run --fail-on-contamination</c> gates on. It reads only the datasets, so it is cached on their content.
/// </summary>
/// <param name="readTrainingTexts">
/// Every text field (instruction, input, output) of the records of one <c>datasets.train</c> entry, as training reads
/// them (filters and limit applied). The composition root passes the training library's reader.
/// </param>
public sealed class ContaminationStage(ExperimentManifest manifest, Func<DatasetSpec, IEnumerable<string>> readTrainingTexts) : IStage
{
    public const string FileName = "contamination.json";

    public string Kind => "contamination";
    public int ImplementationVersion => ContaminationCheck.Version;

    /// <summary>The dataset entries (paths as written, formats, filters) and the n-gram length.</summary>
    public static JsonNode ConfigFor(ExperimentManifest manifest) => new JsonObject
    {
        ["ngram_length"] = ContaminationCheck.DefaultNgramLength,
        ["datasets"] = new JsonObject
        {
            ["train"] = new JsonArray(manifest.Datasets.Train.Select(d => (JsonNode)ManifestJson.Section(d)).ToArray()),
            ["eval"] = new JsonArray(manifest.Datasets.Eval.Select(d => (JsonNode)ManifestJson.Section(d)).ToArray()),
        },
    };

    public Task RunAsync(StageContext context, CancellationToken cancellationToken)
    {
        var results = new List<DatasetContamination>();
        foreach (var spec in manifest.Datasets.Eval)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var questions = EvaluateStage.ReadDataset(spec);
            var training = manifest.Datasets.Train.SelectMany(readTrainingTexts);
            var result = ContaminationCheck.Measure(EvaluateStage.DatasetName(spec), questions, training);
            results.Add(result);
            context.Reporter.Info($"{result.Dataset}: {result.Sentence}");
            context.RecordFacts[result.Dataset] = result.Sentence;
        }
        ContaminationReport.Write(Path.Combine(context.OutputDirectory, FileName),
            new ContaminationReport { NgramLength = ContaminationCheck.DefaultNgramLength, Datasets = results });
        return Task.CompletedTask;
    }
}

/// <summary><c>contamination.json</c>: one entry per evaluation set.</summary>
public sealed record ContaminationReport
{
    public string Normalization { get; init; } = "NFKC, whitespace removed";
    public required int NgramLength { get; init; }
    public required IReadOnlyList<DatasetContamination> Datasets { get; init; }

    /// <summary>True when any evaluation question occurs in the training data.</summary>
    [JsonIgnore] public bool Any => Datasets.Any(d => d.Contaminated > 0);

    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static void Write(string path, ContaminationReport report) => OutputFiles.WriteText(path, JsonSerializer.Serialize(report, Options) + "\n");

    /// <summary>The report in a contamination stage's output directory, or null when there is none.</summary>
    public static ContaminationReport? TryRead(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize<ContaminationReport>(File.ReadAllText(path), Options);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not a valid contamination report (line {e.LineNumber + 1}): {e.Message}", e);
        }
    }

    private const string FileName = ContaminationStage.FileName;
}
