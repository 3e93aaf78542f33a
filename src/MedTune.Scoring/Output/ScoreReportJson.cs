using System.Text.Encodings.Web;
using System.Text.Json;

namespace MedTune.Scoring.Output;

/// <summary>JSON form of <see cref="ScoreReport"/>: snake_case keys in declaration order, sorted maps, readable Japanese.</summary>
public static class ScoreReportJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public static string Serialize(ScoreReport report) => JsonSerializer.Serialize(report, Options);

    public static ScoreReport Deserialize(string json) =>
        JsonSerializer.Deserialize<ScoreReport>(json, Options) ?? throw new JsonException("score report JSON is null");

    public static void Write(string path, ScoreReport report) =>
        AtomicFile.Write(path, stream => JsonSerializer.Serialize(stream, report, Options));
}
