using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MedTune.Reporting;

/// <summary>(De)serialises <c>report.json</c> (snake_case keys, readable Japanese).</summary>
public static class ReportJson
{
    public const string FileName = "report.json";

    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static string Serialize(ReportData report) => JsonSerializer.Serialize(report, Options) + "\n";

    public static ReportData Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Report '{path}' not found; run the experiment's report stage first (medtune run).", path);
        try
        {
            return JsonSerializer.Deserialize<ReportData>(File.ReadAllText(path), Options)
                   ?? throw new InvalidDataException($"Report '{path}' is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"Report '{path}' is not a valid report.json (line {e.LineNumber + 1}): {e.Message}", e);
        }
    }
}
