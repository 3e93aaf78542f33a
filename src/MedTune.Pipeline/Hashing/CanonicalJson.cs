using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace MedTune.Pipeline;

/// <summary>
/// One spelling for every JSON value, so that equal configs hash equally: object keys sorted ordinally,
/// numbers normalised (<c>1</c>, <c>1.0</c> and <c>1e0</c> are all <c>1</c>; <c>3e-4</c> and <c>0.0003</c> are
/// both <c>0.0003</c>), strings escaped the same way whatever produced them.
/// </summary>
public static partial class CanonicalJson
{
    /// <summary>Compact canonical text (no whitespace): the form that is hashed.</summary>
    public static string Serialize(JsonNode? node)
    {
        var text = new StringBuilder();
        Write(text, node, indented: false, depth: 0, path: "$");
        return text.ToString();
    }

    /// <summary>
    /// Canonical text indented by two spaces (sorted keys, normalised numbers) for files people diff:
    /// lock files and stage records. No trailing newline.
    /// </summary>
    public static string SerializeIndented(JsonNode? node)
    {
        var text = new StringBuilder();
        Write(text, node, indented: true, depth: 0, path: "$");
        return text.ToString();
    }

    /// <summary>A deep copy of <paramref name="node"/> in canonical form (sorted keys, normalised numbers).</summary>
    public static JsonNode? Normalize(JsonNode? node) => JsonNode.Parse(Serialize(node));

    /// <summary>The canonical spelling of a JSON number given as JSON text (e.g. <c>"1.0"</c> → <c>"1"</c>).</summary>
    public static string NormalizeNumber(string jsonNumber)
    {
        if (IntegerLiteral().IsMatch(jsonNumber))
            return BigInteger.Parse(jsonNumber, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture);

        var value = double.Parse(jsonNumber, NumberStyles.Float, CultureInfo.InvariantCulture);
        if (!double.IsFinite(value))
            throw new FormatException($"The number {jsonNumber} is out of range for a double.");
        // Integral values below 1e21 (the ECMAScript cut-off) are written as plain integers, so 1e20 equals
        // 100000000000000000000 and 1.0 equals 1.
        if (value == Math.Floor(value) && Math.Abs(value) < 1e21)
            return new BigInteger(value).ToString(CultureInfo.InvariantCulture);

        // "R" is the shortest text that round-trips; tidy its exponent: 3E-05 -> 3e-5, 1E+300 -> 1e300.
        var shortest = value.ToString("R", CultureInfo.InvariantCulture);
        var e = shortest.IndexOf('E');
        if (e < 0) return shortest;
        var exponent = int.Parse(shortest[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        return shortest[..e] + "e" + exponent.ToString(CultureInfo.InvariantCulture);
    }

    private static void Write(StringBuilder text, JsonNode? node, bool indented, int depth, string path)
    {
        switch (node)
        {
            case null:
                text.Append("null");
                break;
            case JsonObject obj:
                WriteObject(text, obj, indented, depth, path);
                break;
            case JsonArray array:
                WriteArray(text, array, indented, depth, path);
                break;
            case JsonValue value:
                WriteValue(text, value, path);
                break;
            default:
                throw new NotSupportedException($"Unsupported JSON node {node.GetType().Name} at {path}.");
        }
    }

    private static void WriteObject(StringBuilder text, JsonObject obj, bool indented, int depth, string path)
    {
        if (obj.Count == 0) { text.Append("{}"); return; }
        text.Append('{');
        var first = true;
        foreach (var (key, child) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (!first) text.Append(',');
            first = false;
            NewLine(text, indented, depth + 1);
            WriteString(text, key);
            text.Append(indented ? ": " : ":");
            Write(text, child, indented, depth + 1, path + "." + key);
        }
        NewLine(text, indented, depth);
        text.Append('}');
    }

    private static void WriteArray(StringBuilder text, JsonArray array, bool indented, int depth, string path)
    {
        if (array.Count == 0) { text.Append("[]"); return; }
        text.Append('[');
        for (var i = 0; i < array.Count; i++)
        {
            if (i > 0) text.Append(',');
            NewLine(text, indented, depth + 1);
            Write(text, array[i], indented, depth + 1, $"{path}[{i}]");
        }
        NewLine(text, indented, depth);
        text.Append(']');
    }

    private static void NewLine(StringBuilder text, bool indented, int depth)
    {
        if (!indented) return;
        text.Append('\n').Append(' ', depth * 2);
    }

    private static void WriteValue(StringBuilder text, JsonValue value, string path)
    {
        switch (value.GetValueKind())
        {
            case System.Text.Json.JsonValueKind.String:
                WriteString(text, value.GetValue<string>());
                break;
            case System.Text.Json.JsonValueKind.True:
                text.Append("true");
                break;
            case System.Text.Json.JsonValueKind.False:
                text.Append("false");
                break;
            case System.Text.Json.JsonValueKind.Null:
                text.Append("null");
                break;
            case System.Text.Json.JsonValueKind.Number:
                text.Append(NumberText(value, path));
                break;
            default:
                throw new NotSupportedException($"Unsupported JSON value at {path}: {value}.");
        }
    }

    private static string NumberText(JsonValue value, string path)
    {
        string raw;
        try
        {
            raw = value.ToJsonString();
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"The value at {path} is not a finite number (NaN and infinity have no JSON form).", e);
        }
        return NormalizeNumber(raw);
    }

    /// <summary>Escapes quote, backslash and control characters (short forms where JSON has them, else \u00xx); everything else is literal UTF-8.</summary>
    private static void WriteString(StringBuilder text, string value)
    {
        text.Append('"');
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\b': text.Append("\\b"); break;
                case '\f': text.Append("\\f"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                default:
                    if (c < 0x20 || IsLoneSurrogate(value, i))
                        text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else
                        text.Append(c);
                    if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                        text.Append(value[++i]);
                    break;
            }
        }
        text.Append('"');
    }

    private static bool IsLoneSurrogate(string value, int i)
    {
        var c = value[i];
        if (char.IsHighSurrogate(c)) return i + 1 >= value.Length || !char.IsLowSurrogate(value[i + 1]);
        if (char.IsLowSurrogate(c)) return i == 0 || !char.IsHighSurrogate(value[i - 1]);
        return false;
    }

    [GeneratedRegex(@"^-?[0-9]+$")]
    private static partial Regex IntegerLiteral();
}
