using MedTune.Manifest;
using MedTune.Scoring.Output;
using MedTune.Scoring.Predictions;

namespace MedTune.Scoring;

/// <summary>What <c>medtune score</c> reads and writes.</summary>
/// <param name="PerItemPath">Per-question JSONL to write (<c>--per-item</c>); null for none.</param>
/// <param name="JsonPath">Report JSON to write (<c>--json</c>); null for none.</param>
public sealed record ScoreFilesRequest(
    string QuestionsPath,
    string PredictionsPath,
    string? PerItemPath = null,
    string? JsonPath = null,
    DatasetFilters? Filters = null,
    ScoreOptions? Options = null);

/// <summary>
/// The library side of <c>medtune score --questions PATH --predictions FILE [--per-item OUT.jsonl] [--json OUT.json]</c>:
/// read, score, write the requested files, and return the result with its plain-text table.
/// Whether a <see cref="PredictionMismatch"/> is an error is the caller's decision; files are written either way.
/// </summary>
public static class ScoreFiles
{
    public static (ScoreResult Result, string Table) Run(ScoreFilesRequest request)
    {
        var questions = ExamQuestionReader.Read(request.QuestionsPath, request.Filters);
        var predictions = PredictionReader.Read(request.PredictionsPath);
        var result = ExamScorer.Score(questions, predictions, request.Options);
        if (request.PerItemPath is not null) PerItemWriter.Write(request.PerItemPath, result.Items);
        if (request.JsonPath is not null) ScoreReportJson.Write(request.JsonPath, result.Report);
        return (result, ScoreTableRenderer.Render(result.Report));
    }
}
