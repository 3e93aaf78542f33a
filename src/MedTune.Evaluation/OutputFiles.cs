using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using MedTune.Scoring.Output;

namespace MedTune.Evaluation;

/// <summary>Text and JSON outputs, each written atomically (temporary sibling + rename).</summary>
public static class OutputFiles
{
    /// <summary>Indented JSON that keeps Japanese readable (no \u escapes).</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.Create(UnicodeRanges.All),
    };

    /// <summary>One JSON object a line.</summary>
    public static readonly JsonSerializerOptions JsonLines = new(Json) { WriteIndented = false };

    public static void WriteText(string path, string text) =>
        AtomicFile.Write(path, stream => stream.Write(new UTF8Encoding(false).GetBytes(text)));

    public static void WriteBytes(string path, byte[] bytes) => AtomicFile.Write(path, stream => stream.Write(bytes));

    public static void WriteJson<T>(string path, T value) => WriteText(path, JsonSerializer.Serialize(value, Json) + "\n");

    public static void WriteJsonLines<T>(string path, IEnumerable<T> values) =>
        WriteText(path, string.Concat(values.Select(v => JsonSerializer.Serialize(v, JsonLines) + "\n")));
}
