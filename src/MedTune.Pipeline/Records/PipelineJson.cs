using System.Text.Json;
using System.Text.Json.Nodes;

namespace MedTune.Pipeline;

/// <summary>How the pipeline's own files (records, lock files) are (de)serialised: snake_case, canonical, indented.</summary>
internal static class PipelineJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        ReadCommentHandling = JsonCommentHandling.Disallow,
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Skip,
    };

    /// <summary>2-space indented canonical JSON with a trailing newline.</summary>
    public static string ToFileText<T>(T value) =>
        CanonicalJson.SerializeIndented(JsonSerializer.SerializeToNode(value, Options)) + "\n";

    public static T ReadFile<T>(string path, string whatItIs, string fix)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new FileNotFoundException($"{whatItIs} '{path}' does not exist. {fix}", path, e);
        }
        try
        {
            return JsonSerializer.Deserialize<T>(text, Options)
                   ?? throw new InvalidDataException($"{whatItIs} '{path}' is empty (null). {fix}");
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" at line {line + 1}" : "";
            throw new InvalidDataException($"{whatItIs} '{path}' is not valid{where}: {e.Message} {fix}", e);
        }
    }

    public static JsonNode Clone(JsonNode? node) => CanonicalJson.Normalize(node) ?? JsonValue.Create((string?)null)!;
}
