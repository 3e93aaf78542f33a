using System.Text.Json;
using MedTune.Evaluation;
using MedTune.Scoring;
using MedTune.Scoring.Output;

namespace MedTune.Reporting;

/// <summary>One evaluate stage's published output, read back: its summary, and per dataset its scores and predictions.</summary>
public sealed class ModelEvaluation
{
    private ModelEvaluation(string label, EvaluationSummary summary, IReadOnlyDictionary<string, (ScoreReport Scores, IReadOnlyList<QuestionPrediction> Predictions)> datasets)
        => (Label, Summary, Datasets) = (label, summary, datasets);

    public string Label { get; }
    public EvaluationSummary Summary { get; }
    public IReadOnlyDictionary<string, (ScoreReport Scores, IReadOnlyList<QuestionPrediction> Predictions)> Datasets { get; }

    public static ModelEvaluation Read(string label, string directory)
    {
        var summaryPath = Path.Combine(directory, EvaluationSummary.FileName);
        if (!File.Exists(summaryPath))
            throw new FileNotFoundException($"'{summaryPath}' not found: '{directory}' is not the output of an evaluate stage.", summaryPath);
        var summary = JsonSerializer.Deserialize<EvaluationSummary>(File.ReadAllText(summaryPath))
                      ?? throw new InvalidDataException($"'{summaryPath}' is empty.");
        var datasets = new Dictionary<string, (ScoreReport, IReadOnlyList<QuestionPrediction>)>(StringComparer.Ordinal);
        foreach (var dataset in summary.Datasets)
        {
            var scores = ScoreReportJson.Deserialize(File.ReadAllText(Path.Combine(directory, dataset.Scores)));
            datasets[dataset.Name] = (scores, ReadPredictions(Path.Combine(directory, dataset.Predictions)));
        }
        return new ModelEvaluation(label, summary, datasets);
    }

    public static IReadOnlyList<QuestionPrediction> ReadPredictions(string path)
    {
        var result = new List<QuestionPrediction>();
        int lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                result.Add(JsonSerializer.Deserialize<QuestionPrediction>(line) ?? throw new JsonException("null record"));
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}:{lineNumber}: not a prediction record: {e.Message}", e);
            }
        }
        return result;
    }
}
