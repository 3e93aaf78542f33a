using System.Collections;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MedTune.Manifest;

/// <summary>
/// JSON Schema (draft 2020-12) for manifests, generated from the same types and attributes the loader
/// validates with, for editor completion and checking (<c>medtune schema</c>). The file checks that
/// the schema cannot express (files exist, ${VAR} is set, cross-key rules) stay in the loader.
/// </summary>
public static class ManifestSchema
{
    public const string Draft = "https://json-schema.org/draft/2020-12/schema";

    public static string Generate()
    {
        var defs = new JsonObject();
        var root = ObjectSchema(new ExperimentManifest(), defs);
        var schema = new JsonObject
        {
            ["$schema"] = Draft,
            ["title"] = "medtune experiment manifest",
            ["description"] = "An experiment: base model, LoRA settings, data, training, export, evaluation and report.",
        };
        foreach (var (name, value) in root) schema[name] = value?.DeepClone();
        AddMatrixKeys(schema["properties"]!.AsObject());
        schema["$defs"] = defs;
        return schema.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
    }

    /// <summary>matrix: and report.compare, which MatrixExpander reads before the typed keys are bound.</summary>
    private static void AddMatrixKeys(JsonObject properties)
    {
        const string KeyPath = "^[a-z_]+(\\.[a-z_]+)*$";
        JsonObject Entries(string description) => new()
        {
            ["description"] = description,
            ["type"] = "array",
            ["items"] = new JsonObject
            {
                ["type"] = "object", ["minProperties"] = 1, ["properties"] = new JsonObject(),
                ["patternProperties"] = new JsonObject { [KeyPath] = new JsonObject() }, ["additionalProperties"] = false,
            },
        };
        properties["matrix"] = new JsonObject
        {
            ["description"] = "Variants of this experiment: each key is a dotted manifest key path (lora.r, evaluate.shots) with a list of values; "
                + "every combination is one variant, named NAME@r=8,shots=1.",
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                ["include"] = Entries("Mappings of key path → value: added to the combinations that match their axis keys, or (matching none) a new combination."),
                ["exclude"] = Entries("Mappings of axis key path → value: the combinations that match all of them are dropped."),
            },
            ["patternProperties"] = new JsonObject { [KeyPath] = new JsonObject { ["type"] = "array", ["minItems"] = 1 } },
            ["additionalProperties"] = false,
        };
        var report = properties["report"]!["properties"]!.AsObject();
        report["compare"] = new JsonObject
        {
            ["description"] = "Pairs of matrix variants (by label, e.g. [\"r=8\", \"r=64\"]) to test against each other on the same questions.",
            ["type"] = "array",
            ["items"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "string" }, ["minItems"] = 2, ["maxItems"] = 2 },
        };
    }

    private static JsonObject ObjectSchema(object section, JsonObject defs)
    {
        var properties = new JsonObject();
        var required = new JsonArray();
        foreach (var key in ManifestKeys.Of(section.GetType()))
        {
            var keySchema = KeySchema(key, key.GetValue(section), defs);
            properties[key.Name] = keySchema;
            // The loader also rejects a missing non-empty list without a default, and so a section that holds one.
            var mustBeWritten = key.IsRequired
                || (key.IsNonEmpty && key.GetValue(section) is IList { Count: 0 })
                || (key.Kind == KeyKind.Section && keySchema.ContainsKey("required"));
            if (mustBeWritten) required.Add(key.Name);
        }
        var obj = new JsonObject { ["type"] = "object", ["properties"] = properties, ["additionalProperties"] = false };
        if (required.Count > 0) obj["required"] = required;
        return obj;
    }

    private static JsonObject KeySchema(ManifestKey key, object? defaultValue, JsonObject defs)
    {
        JsonObject schema;
        switch (key.Kind)
        {
            case KeyKind.Section:
                schema = ObjectSchema(defaultValue!, defs);
                break;
            case KeyKind.SectionList:
                var defName = key.SectionType!.Name;
                if (!defs.ContainsKey(defName))
                {
                    defs[defName] = new JsonObject(); // placeholder first: keeps a (theoretical) recursive type finite
                    defs[defName] = ObjectSchema(Activator.CreateInstance(key.SectionType)!, defs);
                }
                schema = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["$ref"] = $"#/$defs/{defName}" } };
                break;
            case KeyKind.StringList or KeyKind.IntegerList:
                var items = new JsonObject { ["type"] = key.Kind == KeyKind.StringList ? "string" : "integer" };
                AddValueConstraints(items, key);
                schema = new JsonObject { ["type"] = "array", ["items"] = items };
                if (key.OneOf is not null) schema["uniqueItems"] = true;
                break;
            default:
                var type = key.Kind switch { KeyKind.String => "string", KeyKind.Integer => "integer", KeyKind.Number => "number", _ => "boolean" };
                schema = new JsonObject { ["type"] = key.IsNullable ? new JsonArray(type, "null") : type };
                AddValueConstraints(schema, key);
                break;
        }
        if (key.IsNonEmpty) schema["minItems"] = 1;
        var description = key.Doc + (key.IsPath ? " Relative to the manifest's directory; ${VAR} and ${VAR:-default} are expanded." : "");
        var ordered = new JsonObject { ["description"] = description };
        if (key.Kind != KeyKind.Section && !(defaultValue is IList { Count: 0 } && key.Kind == KeyKind.SectionList))
            ordered["default"] = key.Kind == KeyKind.SectionList ? new JsonArray() : DefaultJson(defaultValue);
        foreach (var (name, value) in schema) ordered[name] = value?.DeepClone();
        return ordered;
    }

    private static void AddValueConstraints(JsonObject schema, ManifestKey key)
    {
        if (key.OneOf is { } values) schema["enum"] = new JsonArray(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());
        if (key.Min is { } min) schema[min.Exclusive ? "exclusiveMinimum" : "minimum"] = Number(min.Value);
        if (key.Max is { } max) schema[max.Exclusive ? "exclusiveMaximum" : "maximum"] = Number(max.Value);
        if (key.Pattern is { } pattern) schema["pattern"] = pattern.Regex;
    }

    private static JsonNode? DefaultJson(object? value) => value switch
    {
        null => null,
        IList list => new JsonArray(list.Cast<object>().Select(DefaultJson).ToArray()),
        string s => JsonValue.Create(s),
        int i => JsonValue.Create(i),
        double d => Number(d),
        bool b => JsonValue.Create(b),
        _ => throw new InvalidOperationException(value.GetType().Name),
    };

    /// <summary>Whole numbers as integers (1, not 1.0) so the schema reads naturally.</summary>
    private static JsonNode Number(double value) =>
        value == Math.Floor(value) && Math.Abs(value) < 1e15 ? JsonValue.Create((long)value) : JsonValue.Create(value);
}
