using System.Collections;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MedTune.Manifest;

/// <summary>
/// The canonical JSON form of a manifest or one of its sections: snake_case keys in ordinal order,
/// every default filled in, numbers as their (shortest round-trip) double or integer value, so
/// <c>3e-4</c> and <c>0.0003</c>, key order and quoting style all give the same JSON. Stages'
/// <c>ConfigFor</c> builds on it; the pipeline's <c>CanonicalJson</c> turns it into the text its cache keys hash. Loader-only values
/// (Resolved* paths, ManifestPath) are not part of it; paths appear exactly as written, ${VAR} unexpanded (the
/// content hash of what they point at is a separate stage input), so a key never holds a machine's absolute path.
/// </summary>
public static class ManifestJson
{
    /// <summary>
    /// A manifest section (or the whole <see cref="ExperimentManifest"/>) as a JSON object.
    /// <paramref name="withPaths"/> false leaves out path keys (model.base, datasets.*.path, evaluate.fewshot_path):
    /// a cache key that hashes the files' contents instead then does not change when data moves to another machine.
    /// </summary>
    public static JsonObject Section(object section, bool withPaths = true)
    {
        var obj = new JsonObject();
        foreach (var key in ManifestKeys.Of(section.GetType()).OrderBy(k => k.Name, StringComparer.Ordinal))
            if (withPaths || !key.IsPath)
                obj[key.Name] = Value(key, key.GetValue(section), withPaths);
        return obj;
    }

    private static JsonNode? Value(ManifestKey key, object? value, bool withPaths) => value switch
    {
        null => null,
        string s => JsonValue.Create(s),
        int i => JsonValue.Create(i),
        double d => JsonValue.Create(d),
        bool b => JsonValue.Create(b),
        IList list when key.Kind == KeyKind.SectionList => new JsonArray(list.Cast<object>().Select(item => (JsonNode?)Section(item, withPaths)).ToArray()),
        IList list => new JsonArray(list.Cast<object>().Select(item => item switch
        {
            string s => (JsonNode?)JsonValue.Create(s),
            int i => JsonValue.Create(i),
            _ => throw new InvalidOperationException($"{key.Name}: unexpected element {item.GetType().Name}"),
        }).ToArray()),
        _ when key.Kind == KeyKind.Section => Section(value, withPaths),
        _ => throw new InvalidOperationException($"{key.Name}: unexpected value {value.GetType().Name}"),
    };
}
