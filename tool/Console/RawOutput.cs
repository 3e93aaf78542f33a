using System.Text.Encodings.Web;
using System.Text.Json;
using Spectre.Console;

namespace MedTune.Tool.Console;

public static class RawOutput
{
    /// <summary>
    /// JSON printed by <c>--json</c>: indented, and text left as written ("0.0003 -> 0.001", Japanese) rather than
    /// HTML-safe escapes (<c>-\u003E</c>): it is read by CI scripts and people, never embedded in a web page.
    /// </summary>
    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Writes machine-readable text (JSON, a schema) as is: no markup, no wrapping at the console width.</summary>
    public static void WriteRaw(this IAnsiConsole console, string text)
    {
        console.Profile.Out.Writer.Write(text);
        console.Profile.Out.Writer.Flush();
    }

    /// <summary>Writes one JSON document (and nothing else) for <c>--json</c>.</summary>
    public static void WriteJson<T>(this IAnsiConsole console, T value) => console.WriteRaw(JsonSerializer.Serialize(value, JsonOptions) + "\n");
}
