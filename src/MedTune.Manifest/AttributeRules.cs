using System.Collections;
using System.Globalization;
using System.Text.RegularExpressions;

namespace MedTune.Manifest;

/// <summary>
/// Checks every written key against its attributes ([Required], [NonEmpty], [OneOf], [Min], [Max],
/// [Pattern]). Keys left at their defaults are valid by construction (a test makes sure of that), so
/// they are not checked, except that required keys and non-empty lists must be there.
/// </summary>
internal sealed class AttributeRules(ManifestDiagnostics diagnostics)
{
    public void Check(object section, string sectionPath)
    {
        foreach (var key in ManifestKeys.Of(section.GetType()))
        {
            var path = sectionPath.Length == 0 ? key.Name : $"{sectionPath}.{key.Name}";
            if (diagnostics.HasTypeError(path)) continue;
            var written = diagnostics.IsWritten(path);
            var value = key.GetValue(section);
            if (key.IsRequired && !written)
            {
                diagnostics.Add(path, $"required key '{key.Name}' is missing", $"add '{key.Name}: ...' here ({key.Doc})");
                continue;
            }
            if (key.IsNonEmpty && value is IList { Count: 0 })
            {
                diagnostics.Add(path, "must list at least one entry", key.Doc);
                continue;
            }
            switch (key.Kind)
            {
                case KeyKind.Section:
                    Check(value!, path);
                    break;
                case KeyKind.SectionList:
                    var items = (IList)value!;
                    for (var i = 0; i < items.Count; i++) Check(items[i]!, $"{path}[{i}]");
                    break;
                case KeyKind.StringList or KeyKind.IntegerList when written:
                    var elements = (IList)value!;
                    for (var i = 0; i < elements.Count; i++) CheckValue(key, elements[i], $"{path}[{i}]");
                    CheckDuplicates(key, elements, path);
                    break;
                case KeyKind.String or KeyKind.Integer or KeyKind.Number when written && value is not null:
                    CheckValue(key, value, path);
                    break;
            }
        }
    }

    private void CheckValue(ManifestKey key, object? value, string path)
    {
        switch (value)
        {
            case string text:
                if (key.OneOf is { } allowed && !allowed.Contains(text, StringComparer.Ordinal))
                {
                    var suggestion = DidYouMean.Suggest(text, allowed);
                    diagnostics.Add(path, $"'{text}' is not one of: {string.Join(", ", allowed)}",
                        suggestion is null ? null : $"did you mean '{suggestion}'?");
                }
                else if (key.Pattern is { } pattern && !Regex.IsMatch(text, pattern.Regex))
                {
                    diagnostics.Add(path, $"'{text}' is not valid: use {pattern.Explanation}");
                }
                break;
            case int or double:
                var number = Convert.ToDouble(value, CultureInfo.InvariantCulture);
                if (!InRange(number, key.Min, key.Max))
                    diagnostics.Add(path, $"must be {RangeText(key.Min, key.Max)}, got {diagnostics.RawText(path) ?? Format(number)}");
                break;
        }
    }

    private void CheckDuplicates(ManifestKey key, IList elements, string path)
    {
        var seen = new HashSet<object>();
        for (var i = 0; i < elements.Count; i++)
            if (!seen.Add(elements[i]!))
                diagnostics.Add($"{path}[{i}]", $"'{elements[i]}' is listed twice", "remove the repeated entry");
    }

    public static bool InRange(double value, MinAttribute? min, MaxAttribute? max) =>
        (min is null || (min.Exclusive ? value > min.Value : value >= min.Value))
        && (max is null || (max.Exclusive ? value < max.Value : value <= max.Value));

    /// <summary>"at least 1", "greater than 0", "in the range [0, 1)".</summary>
    public static string RangeText(MinAttribute? min, MaxAttribute? max) => (min, max) switch
    {
        ({ } lo, { } hi) => $"in the range {(lo.Exclusive ? "(" : "[")}{Format(lo.Value)}, {Format(hi.Value)}{(hi.Exclusive ? ")" : "]")}",
        ({ } lo, null) => lo.Exclusive ? $"greater than {Format(lo.Value)}" : $"at least {Format(lo.Value)}",
        (null, { } hi) => hi.Exclusive ? $"less than {Format(hi.Value)}" : $"at most {Format(hi.Value)}",
        _ => "any number",
    };

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
