namespace MedTune.Manifest;

/// <summary>
/// The parts of a matrix manifest the ordinary binder does not see: it splits <c>matrix:</c> and
/// <c>report.compare</c> off the document, reads <c>report.compare</c> (pairs of variant labels or names),
/// and merges the variants' errors so that a mistake shared by every variant is reported once.
/// </summary>
internal sealed class VariantComparisons(ManifestDiagnostics diagnostics)
{
    /// <summary>The document without <c>matrix</c> and <c>report.compare</c>, and those two nodes (null when absent).</summary>
    public static (YamlMapping Plain, YamlNode? Matrix, YamlNode? Compare) Split(YamlMapping root)
    {
        var plain = new YamlMapping(root.Start) { ExpandedSize = root.ExpandedSize, Height = root.Height };
        YamlNode? matrix = null, compare = null;
        foreach (var (key, value) in root.Entries)
        {
            if (key.Value == "matrix" && matrix is null) { matrix = value; continue; }
            if (key.Value == "report" && value is YamlMapping report && report.Entries.Any(e => e.Key.Value == "compare"))
            {
                var rest = new YamlMapping(report.Start) { ExpandedSize = report.ExpandedSize, Height = report.Height };
                foreach (var entry in report.Entries)
                    if (entry.Key.Value == "compare" && compare is null) compare = entry.Value;
                    else rest.Entries.Add(entry);
                plain.Entries.Add(new(key, rest));
                continue;
            }
            plain.Entries.Add(new(key, value));
        }
        return (plain, matrix, compare);
    }

    public IReadOnlyList<VariantPair> Read(YamlNode? node, IReadOnlyList<ExperimentVariant> variants)
    {
        if (node is null || node is YamlScalar { IsNull: true }) return [];
        if (node is not YamlSequence pairs)
        {
            diagnostics.TypeError("report.compare", node.Start, $"expected a list of pairs ([[r=8, r=64]]), got {node.Describe()}");
            return [];
        }
        var result = new List<VariantPair>();
        for (var i = 0; i < pairs.Items.Count; i++)
        {
            var path = $"report.compare[{i}]";
            if (pairs.Items[i] is not YamlSequence { Items.Count: 2 } pair || pair.Items.Any(item => item is not YamlScalar { IsNull: false }))
            {
                diagnostics.TypeError(path, pairs.Items[i].Start, $"expected a pair of variant names [A, B], got {pairs.Items[i].Describe()}",
                    "name two variants by their label, e.g. [r=8, r=64]; quote labels that hold a comma: [\"r=8,shots=0\", \"r=64,shots=0\"]");
                continue;
            }
            var names = pair.Items.Cast<YamlScalar>().Select(s => Resolve(s, path, variants)).ToList();
            if (names[0] is null || names[1] is null) continue;
            if (names[0] == names[1]) diagnostics.Add(path, pair.Start, $"compares variant '{names[0]}' with itself", "name two different variants");
            else result.Add(new VariantPair(names[0]!, names[1]!));
        }
        return result;
    }

    private string? Resolve(YamlScalar name, string path, IReadOnlyList<ExperimentVariant> variants)
    {
        var match = variants.FirstOrDefault(v => v.Label == name.Value || v.Name == name.Value);
        if (match is not null) return match.Name;
        // A label may also be written with only the axes that tell the variant apart: r=8 when shots is fixed by include.
        var partial = variants.Where(v => name.Value.Split(',').All(part => v.Label.Split(',').Contains(part))).ToList();
        if (partial.Count == 1) return partial[0].Name;
        var suggestion = DidYouMean.Suggest(name.Value, variants.Select(v => v.Label));
        diagnostics.Add(path, name.Start,
            partial.Count > 1 ? $"'{name.Value}' matches {partial.Count} variants ({string.Join(", ", partial.Select(v => v.Label))})" : $"no variant '{name.Value}'",
            (suggestion is null ? "" : $"did you mean '{suggestion}'? ") + "variants: " + string.Join(", ", variants.Select(v => v.Label)));
        return null;
    }

    /// <summary>Every distinct error once, in file order; one that only some variants have names them.</summary>
    public static List<ManifestError> MergeErrors(List<(ManifestError Error, string Variant)> errors, int variantCount, IReadOnlyList<ManifestError> matrixErrors) =>
        errors.GroupBy(e => e.Error)
            .Select(g => g.Count() == variantCount ? g.Key : g.Key with { Message = $"{g.Key.Message} (variant {string.Join("; ", g.Select(e => e.Variant))})" })
            .Concat(matrixErrors)
            .OrderBy(e => e.Line == 0 ? int.MaxValue : e.Line).ThenBy(e => e.Column)
            .ToList();
}
