using System.Globalization;
using System.Text.RegularExpressions;

namespace MedTune.Manifest;

/// <summary>
/// Copies a YAML tree onto the manifest classes, key by key, recording an error (and leaving the
/// default) for every unknown key, duplicate key and value of the wrong type. String values get
/// ${VAR} expansion; numbers and booleans must be written unquoted. Path values (<see cref="PathValueAttribute"/>)
/// are checked for expansion errors here but kept as written: <see cref="PathRules"/> expands and resolves them
/// into the Resolved* properties, so the manifest's own path values (which stage keys hash) never hold a
/// machine's absolute path.
/// </summary>
internal sealed partial class ManifestBinder(ManifestDiagnostics diagnostics, Func<string, string?> environment)
{
    [GeneratedRegex(@"^[-+]?[0-9]+$")]
    private static partial Regex IntegerText();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex NumberText();

    public void BindSection(YamlNode node, object section, string keyPath)
    {
        if (node is YamlScalar { IsNull: true }) return; // "lora:" with nothing under it keeps the defaults
        if (node is not YamlMapping mapping)
        {
            diagnostics.TypeError(keyPath, node.Start, $"expected a mapping of keys, got {node.Describe()}",
                node is YamlScalar s && s.Value.Contains(':') ? "put a space after the ':' of a key (r: 8, not r:8)" : null);
            return;
        }
        var keys = ManifestKeys.Of(section.GetType());
        var seen = new Dictionary<string, SourcePosition>(StringComparer.Ordinal);
        foreach (var (keyNode, valueNode) in mapping.Entries)
        {
            var name = keyNode.Value;
            var path = Join(keyPath, name);
            var key = keys.FirstOrDefault(k => k.Name == name);
            if (key is null)
            {
                ReportUnknownKey(keyPath, keyNode, keys);
                continue;
            }
            if (seen.TryGetValue(name, out var first))
            {
                diagnostics.Add(path, keyNode.Start, $"duplicate key (first written at line {first.Line})", "keep one of them");
                continue;
            }
            seen[name] = keyNode.Start;
            diagnostics.Written(path, valueNode.Start, (valueNode as YamlScalar)?.Value);
            BindValue(key, valueNode, section, path);
        }
    }

    private void ReportUnknownKey(string sectionPath, YamlScalar keyNode, IReadOnlyList<ManifestKey> keys)
    {
        var names = keys.Select(k => k.Name).ToList();
        var where = sectionPath.Length == 0 ? "at the top level" : $"in {sectionPath}";
        var suggestion = DidYouMean.Suggest(keyNode.Value, names);
        var hint = (HuggingFaceNames.Hint(keyNode.Value, sectionPath) is { } hf ? hf + "; "
                : suggestion is null ? "" : $"did you mean '{suggestion}'? ") + "valid keys: " + string.Join(", ", names);
        if (keyNode.Value == "<<") hint = "YAML merge keys ('<<') are not supported; write the keys out. " + hint;
        diagnostics.Add(Join(sectionPath, keyNode.Value), keyNode.Start, $"unknown key '{keyNode.Value}' {where}", hint);
    }

    private void BindValue(ManifestKey key, YamlNode node, object section, string path)
    {
        if (node is YamlScalar { IsNull: true })
        {
            if (key.IsNullable) key.SetValue(section, null);
            else if (key.Kind == KeyKind.Section) { /* empty section: defaults */ }
            else diagnostics.TypeError(path, node.Start, $"expected {key.Expected}, got null",
                key.IsList ? "write [] for an empty list, or remove the key for the default" : "give a value, or remove the key for the default");
            return;
        }
        switch (key.Kind)
        {
            case KeyKind.Section:
                BindSection(node, key.GetValue(section)!, path);
                break;
            case KeyKind.SectionList:
                BindSectionList(key, node, section, path);
                break;
            case KeyKind.StringList:
            case KeyKind.IntegerList:
                BindScalarList(key, node, section, path);
                break;
            default:
                if (ConvertScalar(key.Kind, node, path, key.Expected, keepUnexpanded: key.IsPath) is { } value) key.SetValue(section, value);
                break;
        }
    }

    private void BindSectionList(ManifestKey key, YamlNode node, object section, string path)
    {
        if (node is not YamlSequence sequence)
        {
            diagnostics.TypeError(path, node.Start, $"expected {key.Expected}, got {node.Describe()}", "write each entry on a line starting with '- '");
            return;
        }
        var list = (System.Collections.IList)key.GetValue(section)!;
        list.Clear();
        for (var i = 0; i < sequence.Items.Count; i++)
        {
            var itemPath = $"{path}[{i}]";
            var item = Activator.CreateInstance(key.SectionType!)!;
            diagnostics.Written(itemPath, sequence.Items[i].Start);
            if (sequence.Items[i] is YamlMapping) BindSection(sequence.Items[i], item, itemPath);
            else diagnostics.TypeError(itemPath, sequence.Items[i].Start, $"expected a mapping of keys, got {sequence.Items[i].Describe()}",
                sequence.Items[i] is YamlScalar scalar ? $"write the entry as '- path: {scalar.Value}'" : null);
            list.Add(item);
        }
    }

    private void BindScalarList(ManifestKey key, YamlNode node, object section, string path)
    {
        if (node is not YamlSequence sequence)
        {
            var example = node is YamlScalar s ? $"[{s.Value}]" : "[a, b]";
            diagnostics.TypeError(path, node.Start, $"expected {key.Expected}, got {node.Describe()}", $"write a list, e.g. {example}");
            return;
        }
        var elementKind = key.Kind == KeyKind.StringList ? KeyKind.String : KeyKind.Integer;
        var elementExpected = elementKind == KeyKind.String ? "a string" : "an integer";
        var list = (System.Collections.IList)key.GetValue(section)!;
        var values = new List<object>();
        var ok = true;
        for (var i = 0; i < sequence.Items.Count; i++)
        {
            var itemPath = $"{path}[{i}]";
            var item = sequence.Items[i];
            diagnostics.Written(itemPath, item.Start, (item as YamlScalar)?.Value);
            if (item is YamlScalar { IsNull: true })
            {
                diagnostics.TypeError(itemPath, item.Start, $"expected {elementExpected}, got null");
                ok = false;
            }
            else if (ConvertScalar(elementKind, item, itemPath, elementExpected) is { } value) values.Add(value);
            else ok = false;
        }
        if (!ok)
        {
            diagnostics.MarkInvalid(path);
            return;
        }
        list.Clear();
        foreach (var v in values) list.Add(v);
    }

    /// <summary>The converted value, or null after recording an error.</summary>
    private object? ConvertScalar(KeyKind kind, YamlNode node, string path, string expected, bool keepUnexpanded = false)
    {
        if (node is not YamlScalar scalar)
        {
            diagnostics.TypeError(path, node.Start, $"expected {expected}, got {node.Describe()}");
            return null;
        }
        var text = scalar.Value;
        if (kind == KeyKind.String)
        {
            var (value, failure) = EnvironmentExpander.Expand(text, environment);
            if (failure is not null) diagnostics.TypeError(path, scalar.Start, failure.Message, failure.Hint);
            return keepUnexpanded && failure is null ? text : value;
        }
        if (scalar.IsString)
        {
            diagnostics.TypeError(path, scalar.Start, $"expected {expected}, got {scalar.Describe()}", "remove the quotes (numbers and booleans are written bare)");
            return null;
        }
        switch (kind)
        {
            case KeyKind.Integer:
                if (IntegerText().IsMatch(text))
                {
                    if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i)) return i;
                    diagnostics.TypeError(path, scalar.Start, $"integer '{text}' is out of range");
                    return null;
                }
                diagnostics.TypeError(path, scalar.Start, $"expected an integer, got '{text}'",
                    NumberText().IsMatch(text) ? "write a whole number without a decimal point" : null);
                return null;
            case KeyKind.Number:
                if (NumberText().IsMatch(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d))
                    return d;
                diagnostics.TypeError(path, scalar.Start, $"expected a number, got '{text}'",
                    text.Contains(',') ? "use '.' as the decimal separator" : "write e.g. 0.0003 or 3e-4");
                return null;
            case KeyKind.Boolean:
                if (text is "true" or "True" or "TRUE") return true;
                if (text is "false" or "False" or "FALSE") return false;
                diagnostics.TypeError(path, scalar.Start, $"expected true or false, got '{text}'",
                    text.ToLowerInvariant() is "yes" or "no" or "on" or "off" or "y" or "n" ? "YAML 1.2 booleans are only true and false" : null);
                return null;
            default:
                throw new InvalidOperationException(kind.ToString());
        }
    }

    private static string Join(string parent, string name) => parent.Length == 0 ? name : $"{parent}.{name}";
}
