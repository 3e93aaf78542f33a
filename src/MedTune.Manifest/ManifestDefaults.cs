using System.Collections;
using System.Globalization;
using System.Text;

namespace MedTune.Manifest;

/// <summary>One row of the manifest reference: a key, its type, its default and what it means.</summary>
public sealed record ManifestKeyDoc(string KeyPath, string Type, string Default, string Description, string Constraints);

/// <summary>
/// The manifest reference, generated from the C# initialisers and attributes of ExperimentManifest.cs,
/// so that docs/manifest.md (and `medtune schema`) cannot drift from what the loader does.
/// </summary>
public static class ManifestDefaults
{
    /// <summary>Every key in document order. Dataset entry keys are listed once, under datasets.train[].</summary>
    public static IReadOnlyList<ManifestKeyDoc> Describe()
    {
        var rows = new List<ManifestKeyDoc>();
        Walk(new ExperimentManifest(), "", rows, new Dictionary<Type, string>());
        return rows;
    }

    private static void Walk(object section, string prefix, List<ManifestKeyDoc> rows, Dictionary<Type, string> describedItems)
    {
        foreach (var key in ManifestKeys.Of(section.GetType()))
        {
            var path = prefix + key.Name;
            var value = key.GetValue(section);
            var description = key.Doc;
            if (key.Kind == KeyKind.SectionList && describedItems.TryGetValue(key.SectionType!, out var described))
                description += $" Entries take the same keys as {described}.";
            rows.Add(new ManifestKeyDoc(path, TypeName(key), key.Kind == KeyKind.Section ? "" : DefaultText(value), description, Constraints(key)));
            if (key.Kind == KeyKind.Section)
                Walk(value!, path + ".", rows, describedItems);
            else if (key.Kind == KeyKind.SectionList && describedItems.TryAdd(key.SectionType!, path + "[]"))
                Walk(Activator.CreateInstance(key.SectionType!)!, path + "[].", rows, describedItems);
        }
    }

    public static string TypeName(ManifestKey key)
    {
        var name = key.Kind switch
        {
            KeyKind.String => "string",
            KeyKind.Integer => "integer",
            KeyKind.Number => "number",
            KeyKind.Boolean => "boolean",
            KeyKind.StringList => "list of strings",
            KeyKind.IntegerList => "list of integers",
            KeyKind.Section => "section",
            KeyKind.SectionList => "list of sections",
            _ => key.Kind.ToString(),
        };
        return key.IsNullable ? name + " or null" : name;
    }

    public static string DefaultText(object? value) => value switch
    {
        null => "unset",
        string s => s.Length == 0 ? "\"\"" : s,
        bool b => b ? "true" : "false",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        int i => i.ToString(CultureInfo.InvariantCulture),
        IList list => "[" + string.Join(", ", list.Cast<object>().Select(DefaultText)) + "]",
        _ => value.ToString() ?? "",
    };

    private static string Constraints(ManifestKey key)
    {
        var parts = new List<string>();
        if (key.IsRequired) parts.Add("required");
        if (key.IsNonEmpty) parts.Add("at least one entry");
        if (key.OneOf is { } values) parts.Add((key.IsList ? "each one of: " : "one of: ") + string.Join(", ", values));
        if (key.Min is not null || key.Max is not null) parts.Add(AttributeRules.RangeText(key.Min, key.Max));
        if (key.Pattern is { } pattern) parts.Add(pattern.Explanation);
        if (key.IsPath) parts.Add("path relative to the manifest; ${VAR} expanded");
        return string.Join("; ", parts);
    }

    /// <summary>docs/manifest.md: how manifests are read, then the table of keys.</summary>
    public static string ToMarkdown()
    {
        var sb = new StringBuilder();
        sb.Append("""
            # Manifest reference

            <!-- Generated from src/MedTune.Manifest/ExperimentManifest.cs by ManifestDefaults.ToMarkdown().
                 Do not edit by hand: run `MEDTUNE_UPDATE_DOCS=1 dotnet test tests/MedTune.Manifest.Tests`. -->

            An experiment is one YAML file, `experiments/NAME.yaml`. Keys are the snake_case names below;
            every key has a default except `name` and `datasets.eval` (at least one exam dataset, each with a `path`),
            so a manifest only states what differs.
            `experiments/quickstart.yaml` is a commented example. Editors can validate as you type with the
            JSON Schema from `medtune schema`.

            ## How a manifest is read

            - **Strict keys.** An unknown key is an error (with the nearest valid key suggested), so a typo never
              silently falls back to a default. Every problem is reported at once, as `file:line:column: key.path: message`.
            - **Types.** Numbers and booleans are written bare (`r: 8`, `use_rslora: true`); a quoted `"8"` is a string
              and is rejected where a number is expected. `3e-4` and `0.0003` are the same value to medtune
              (YAML 1.2). YAML 1.1 readers such as PyYAML read `2e-3` (no dot) as a *string*, so a schema check in those tools
              rejects it: write `0.002` or `2.0e-3` to keep such tools happy. Booleans are `true`/`false`.
            - **Environment variables.** In string values, `${NAME}` is replaced by the variable's value (an error when it
              is unset) and `${NAME:-default}` by the value or, when it is unset or empty, by `default`. `$$` is a literal `$`.
              Numbers and booleans are not expanded. Typical use: `base: ${MEDTUNE_MODELS:-../models}/open-calm-7b`.
            - **Paths** (model directory, datasets, few-shot file) are relative to the manifest's directory.
              The model directory (with its `config.json`), every dataset and the few-shot file must exist
              (`medtune validate --no-check-files` skips this check). A dataset path is a `.jsonl` file or a directory. An eval directory is read in the IgakuQA layout: every
              section file `NNN-X.jsonl` below it (`2018/112-A.jsonl`, joined with `112-A_metadata.jsonl`); other `.jsonl`
              files there are ignored (name a file to use one). A train directory contributes every `*.jsonl` below it except
              the `*_metadata.jsonl` / `*_translate.jsonl` companions. `medtune validate` (and the start of `medtune run`) reads
              every dataset and the model's `config.json` and tensor names, and reports bad lines as `file:line`.
            - **Builtin models.** `builtin:tiny-llama` and `builtin:tiny-neox` are small random-initialised models for tests
              and the quickstart; they need no download.
            - **Limits.** One YAML document per file, at most 1 MiB, at most 10,000 nodes and 64 levels of nesting with
              anchors and aliases expanded. Anchors/aliases work; merge keys (`<<`) and custom tags do not.
            - **Cache keys.** Each stage's cache key is built from the canonical JSON of the sections it depends on
              (defaults filled in, keys sorted), so reformatting a manifest never invalidates the cache.

            ## Keys

            | key | type | default | allowed | description |
            |---|---|---|---|---|

            """);
        foreach (var row in Describe())
            sb.Append($"| `{row.KeyPath}` | {row.Type} | {Code(row.Default)} | {Cell(row.Constraints)} | {Cell(row.Description)} |\n");
        return sb.ToString().Replace("\r\n", "\n");
    }

    private static string Code(string text) => text.Length == 0 ? "" : $"`{text.Replace("|", "\\|")}`";
    private static string Cell(string text) => text.Replace("|", "\\|");
}
