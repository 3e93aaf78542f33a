using System.Text;
using System.Text.RegularExpressions;
using YamlDotNet.Core;

namespace MedTune.Manifest;

/// <summary>
/// Expands a manifest's <c>matrix:</c> section into one YAML tree per variant, before binding, so each
/// variant is validated like any manifest and its errors point at the axis value that produced them.
/// <code>
/// matrix:
///   lora.r: [8, 16, 64]          # an axis: a dotted key path and its values
///   evaluate.shots: [0, 1]
///   exclude: [{lora.r: 16, evaluate.shots: 1}]                  # drop the points that match every key given
///   include: [{lora.r: 64, train.learning_rate: 1e-4}]          # add keys to the points that match its axis keys,
///                                                               # or (matching none) add a new point
/// </code>
/// Variants are named <c>NAME@r=8,shots=1</c>: the last segment of each axis path (the full path where two
/// axes share it) and the value as written (a path's last segment; a mapping or list by its 1-based position).
/// </summary>
internal sealed partial class MatrixExpander(ManifestDiagnostics diagnostics)
{
    private const string Include = "include";
    private const string Exclude = "exclude";

    /// <summary>One point of the grid: key path → value node, in axis order (extra include keys last).</summary>
    public sealed record Point(List<KeyValuePair<string, YamlNode>> Values, List<string> LabelKeys)
    {
        public YamlNode? Get(string path) => Values.FirstOrDefault(v => v.Key == path).Value;

        public void Set(string path, YamlNode value)
        {
            var at = Values.FindIndex(v => v.Key == path);
            if (at >= 0) Values[at] = new(path, value);
            else Values.Add(new(path, value));
        }
    }

    private sealed record Axis(string Path, YamlScalar Key, List<YamlNode> Values);

    /// <summary>The variants' points with their labels, or an empty list after recording errors.</summary>
    public List<(string Label, Point Point)> Expand(YamlNode matrix)
    {
        if (matrix is not YamlMapping mapping)
        {
            diagnostics.TypeError("matrix", matrix.Start, $"expected a mapping of axes (lora.r: [8, 16]), got {matrix.Describe()}");
            return [];
        }
        var axes = new List<Axis>();
        YamlNode? include = null, exclude = null;
        foreach (var (key, value) in mapping.Entries)
        {
            if (key.Value == Include) { include = value; continue; }
            if (key.Value == Exclude) { exclude = value; continue; }
            if (!CheckPath(key.Value, key.Start, "matrix")) continue;
            if (axes.Any(a => a.Path == key.Value))
            {
                diagnostics.Add("matrix." + key.Value, key.Start, "duplicate axis", "keep one of them");
                continue;
            }
            if (value is not YamlSequence { Items.Count: > 0 } values)
            {
                diagnostics.TypeError("matrix." + key.Value, value.Start, $"an axis is a non-empty list of values, got {value.Describe()}",
                    value is YamlScalar s ? $"write [{s.Value}, ...]" : null);
                continue;
            }
            axes.Add(new Axis(key.Value, key, values.Items));
        }

        var points = new List<Point> { new([], []) };
        foreach (var axis in axes)
            points = points.SelectMany(p => axis.Values.Select(v =>
                new Point([.. p.Values, new(axis.Path, v)], [.. p.LabelKeys, axis.Path]))).ToList();
        if (axes.Count == 0) points.Clear();

        var axisPaths = axes.Select(a => a.Path).ToHashSet(StringComparer.Ordinal);
        foreach (var entry in Entries(exclude, Exclude))
        {
            foreach (var (path, key, _) in entry.Where(e => !axisPaths.Contains(e.Path)))
                diagnostics.Add($"matrix.{Exclude}", key.Start, $"exclude names '{path}', which is not an axis",
                    $"exclude entries match axis values only; axes: {string.Join(", ", axisPaths)}");
            points.RemoveAll(p => entry.All(e => p.Get(e.Path) is { } v && Same(v, e.Value)));
        }
        var includeNumber = 0;
        foreach (var entry in Entries(include, Include))
        {
            includeNumber++;
            var onAxes = entry.Where(e => axisPaths.Contains(e.Path)).ToList();
            var matches = onAxes.Count == 0 ? [] : points.Where(p => onAxes.All(e => Same(p.Get(e.Path)!, e.Value))).ToList();
            if (matches.Count > 0)
                foreach (var point in matches)
                    foreach (var (path, _, value) in entry.Where(e => !axisPaths.Contains(e.Path))) point.Set(path, value);
            else
                points.Add(new Point(entry.Select(e => new KeyValuePair<string, YamlNode>(e.Path, e.Value)).ToList(),
                    entry.Select(e => e.Path).ToList()));
        }
        if (points.Count == 0 && diagnostics.Errors.Count == 0)
            diagnostics.Add("matrix", mapping.Start, "the matrix has no variants (no axes, or exclude removed them all)",
                "give at least one axis, e.g. lora.r: [8, 16]");
        return Label(points, axes);
    }

    private List<(string Label, Point Point)> Label(List<Point> points, List<Axis> axes)
    {
        var labelPaths = points.SelectMany(p => p.LabelKeys).Distinct().ToList();
        var shortNames = labelPaths.ToDictionary(p => p, p =>
        {
            var last = p[(p.LastIndexOf('.') + 1)..];
            return labelPaths.Count(q => q[(q.LastIndexOf('.') + 1)..] == last) > 1 ? p : last;
        });
        var result = new List<(string, Point)>();
        var seen = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var point in points)
        {
            var label = string.Join(",", point.LabelKeys.Select(path =>
            {
                var value = point.Get(path)!;
                var axis = axes.FirstOrDefault(a => a.Path == path);
                return shortNames[path] + "=" + ValueLabel(value, axis is null ? 1 : axis.Values.IndexOf(value) + 1);
            }));
            var at = point.Values.Select(v => v.Value).FirstOrDefault() ?? new YamlScalar(SourcePosition.None, "", ScalarStyle.Plain, false);
            if (!seen.TryAdd(label, at))
            {
                diagnostics.Add("matrix", at.Start, $"two variants get the same name '{label}' (first at line {seen[label].Start.Line})",
                    "remove the repeated value, or make the include entry differ on an axis");
                continue;
            }
            result.Add((label, point));
        }
        return result;
    }

    /// <summary>Copy of <paramref name="root"/> with each of the point's values set at its key path.</summary>
    public static YamlMapping Apply(YamlMapping root, Point point)
    {
        foreach (var (path, value) in point.Values) root = With(root, path.Split('.'), 0, value);
        return root;
    }

    private static YamlMapping With(YamlMapping mapping, string[] segments, int index, YamlNode value)
    {
        var copy = new YamlMapping(mapping.Start) { ExpandedSize = mapping.ExpandedSize, Height = mapping.Height };
        copy.Entries.AddRange(mapping.Entries);
        var at = copy.Entries.FindIndex(e => e.Key.Value == segments[index]);
        var key = at >= 0 ? copy.Entries[at].Key : new YamlScalar(value.Start, segments[index], ScalarStyle.Plain, false);
        YamlNode replacement;
        if (index == segments.Length - 1) replacement = value;
        else
        {
            var child = at >= 0 && copy.Entries[at].Value is YamlMapping m ? m : new YamlMapping(value.Start);
            replacement = With(child, segments, index + 1, value);
        }
        if (at >= 0) copy.Entries[at] = new(key, replacement);
        else copy.Entries.Add(new(key, replacement));
        return copy;
    }

    /// <summary>Checks a dotted key path against the manifest's sections; records an error and returns false if it names no key.</summary>
    private bool CheckPath(string path, SourcePosition at, string where)
    {
        var type = typeof(ExperimentManifest);
        var segments = path.Split('.');
        for (var i = 0; i < segments.Length; i++)
        {
            var keys = ManifestKeys.Of(type);
            var key = keys.FirstOrDefault(k => k.Name == segments[i]);
            if (key is null || (i == 0 && key.Name == "name"))
            {
                var names = keys.Select(k => k.Name).Where(n => i > 0 || n != "name").ToList();
                var suggestion = DidYouMean.Suggest(segments[i], names);
                diagnostics.Add($"{where}.{path}", at,
                    i == 0 && segments[i] == "name" ? "the experiment name cannot vary: variants are named NAME@axis=value"
                        : $"'{path}' is not a manifest key ('{segments[i]}' is unknown{(i > 0 ? " in " + string.Join('.', segments[..i]) : "")})",
                    (suggestion is null ? "" : $"did you mean '{string.Join('.', segments[..i].Append(suggestion))}'? ") + "valid keys here: " + string.Join(", ", names));
                return false;
            }
            if (i < segments.Length - 1)
            {
                if (key.Kind != KeyKind.Section)
                {
                    diagnostics.Add($"{where}.{path}", at, $"'{string.Join('.', segments[..(i + 1)])}' is {key.Expected}, not a section with keys",
                        $"vary the whole key: {string.Join('.', segments[..(i + 1)])}: [...]");
                    return false;
                }
                type = key.SectionType!;
            }
        }
        return true;
    }

    private IEnumerable<List<(string Path, YamlScalar Key, YamlNode Value)>> Entries(YamlNode? node, string name)
    {
        if (node is null || node is YamlScalar { IsNull: true }) yield break;
        if (node is not YamlSequence sequence)
        {
            diagnostics.TypeError($"matrix.{name}", node.Start, $"expected a list of mappings (- {{lora.r: 8, evaluate.shots: 1}}), got {node.Describe()}");
            yield break;
        }
        for (var i = 0; i < sequence.Items.Count; i++)
        {
            if (sequence.Items[i] is not YamlMapping { Entries.Count: > 0 } entry)
            {
                diagnostics.TypeError($"matrix.{name}[{i}]", sequence.Items[i].Start, $"expected a non-empty mapping of key paths to values, got {sequence.Items[i].Describe()}");
                continue;
            }
            var values = new List<(string, YamlScalar, YamlNode)>();
            foreach (var (key, value) in entry.Entries)
                if (CheckPath(key.Value, key.Start, $"matrix.{name}[{i}]")) values.Add((key.Value, key, value));
            if (values.Count == entry.Entries.Count) yield return values;
        }
    }

    /// <summary>Two values are the same when they are written the same (scalars by text, collections item by item).</summary>
    private static bool Same(YamlNode a, YamlNode b) => (a, b) switch
    {
        (YamlScalar x, YamlScalar y) => x.Value == y.Value,
        (YamlSequence x, YamlSequence y) => x.Items.Count == y.Items.Count && x.Items.Zip(y.Items).All(p => Same(p.First, p.Second)),
        (YamlMapping x, YamlMapping y) => x.Entries.Count == y.Entries.Count
            && x.Entries.Zip(y.Entries).All(p => p.First.Key.Value == p.Second.Key.Value && Same(p.First.Value, p.Second.Value)),
        _ => false,
    };

    private static string ValueLabel(YamlNode value, int position)
    {
        if (value is not YamlScalar scalar) return position.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var text = scalar.Value.TrimEnd('/');
        text = text[(text.LastIndexOf('/') + 1)..];
        text = UnsafeCharacters().Replace(text, "_");
        return text.Length == 0 ? position.ToString(System.Globalization.CultureInfo.InvariantCulture) : text;
    }

    [GeneratedRegex("[^A-Za-z0-9._-]")]
    private static partial Regex UnsafeCharacters();
}
