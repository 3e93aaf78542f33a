using System.Collections;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MedTune.Manifest;

/// <summary>
/// The canonical JSON form of a manifest or one of its sections: snake_case keys in ordinal order,
/// every default filled in, numbers as their (shortest round-trip) double or integer value, so
/// <c>3e-4</c> and <c>0.0003</c>, key order and quoting style all give the same JSON. Stages'
/// <c>ConfigFor</c> and the pipeline's cache keys are built from it. Loader-only values
/// (Resolved* paths, ManifestPath) are not part of it; paths appear as written after ${VAR} expansion.
/// </summary>
public static class ManifestJson
{
    // Non-ASCII text (Japanese titles) stays readable; the output is JSON data, never embedded in HTML.
    private static readonly JsonSerializerOptions Compact = new() { WriteIndented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A manifest section (or the whole <see cref="ExperimentManifest"/>) as a JSON object.</summary>
    public static JsonObject Section(object section)
    {
        var obj = new JsonObject();
        foreach (var key in ManifestKeys.Of(section.GetType()).OrderBy(k => k.Name, StringComparer.Ordinal))
            obj[key.Name] = Value(key, key.GetValue(section));
        return obj;
    }

    /// <summary>Compact JSON text with object keys sorted (recursively); equal settings give equal text.</summary>
    public static string ToCanonicalString(JsonNode? node) => Sorted(node)?.ToJsonString(Compact) ?? "null";

    private static JsonNode? Value(ManifestKey key, object? value) => value switch
    {
        null => null,
        string s => JsonValue.Create(s),
        int i => JsonValue.Create(i),
        double d => JsonValue.Create(d),
        bool b => JsonValue.Create(b),
        IList list when key.Kind == KeyKind.SectionList => new JsonArray(list.Cast<object>().Select(item => (JsonNode?)Section(item)).ToArray()),
        IList list => new JsonArray(list.Cast<object>().Select(item => item switch
        {
            string s => (JsonNode?)JsonValue.Create(s),
            int i => JsonValue.Create(i),
            _ => throw new InvalidOperationException($"{key.Name}: unexpected element {item.GetType().Name}"),
        }).ToArray()),
        _ when key.Kind == KeyKind.Section => Section(value),
        _ => throw new InvalidOperationException($"{key.Name}: unexpected value {value.GetType().Name}"),
    };

    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject obj => new JsonObject(obj.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => KeyValuePair.Create(p.Key, Sorted(p.Value)))),
        JsonArray arr => new JsonArray(arr.Select(Sorted).ToArray()),
        null => null,
        JsonValue number when number.GetValueKind() == JsonValueKind.Number => CanonicalNumber(number),
        _ => node.DeepClone(),
    };

    /// <summary>1e3 and 1000, 0.00030 and 3e-4: one spelling per value (integers stay integers).</summary>
    private static JsonNode CanonicalNumber(JsonValue number)
    {
        using var parsed = JsonDocument.Parse(number.ToJsonString());
        var element = parsed.RootElement;
        return element.TryGetInt64(out var integer) ? JsonValue.Create(integer) : JsonValue.Create(element.GetDouble());
    }
}
