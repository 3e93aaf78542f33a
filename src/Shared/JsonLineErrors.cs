using System.Text.Json;

namespace MedTune;

/// <summary>
/// Says what is wrong with one JSON line in words a user can act on: "not valid JSON at column 14: ',' is invalid
/// after a value" — without System.Text.Json's "Path: $ | LineNumber: 0 | BytePositionInLine: 13" (the line number
/// there counts within the line, not the file, and the callers already name file:line).
/// One source file, compiled into every library that reads JSONL (see Directory.Build.targets).
/// </summary>
internal static class JsonLineErrors
{
    public static string Describe(JsonException e)
    {
        var column = e.BytePositionInLine is { } position ? $" at byte {position + 1} of the line" : "";
        return $"not valid JSON{column}: {Reason(e)} (each line must be one complete JSON object)";
    }

    /// <summary>The parser's reason alone ("',' is invalid after a value"), without its Path/LineNumber/BytePositionInLine suffix.</summary>
    public static string Reason(JsonException e)
    {
        var message = e.Message;
        foreach (var marker in new[] { " Path:", " LineNumber:" })
        {
            var cut = message.IndexOf(marker, StringComparison.Ordinal);
            if (cut >= 0) message = message[..cut];
        }
        return message.Trim().TrimEnd('.');
    }
}
