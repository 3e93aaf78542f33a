using System.Text;

namespace MedTune;

/// <summary>
/// The lines of a text file decoded as strict UTF-8 (a leading BOM and CRLF ends accepted): a line that is not valid
/// UTF-8 comes back as null, so the caller can name its file:line instead of reading U+FFFD silently.
/// One source file, compiled into every library that reads JSONL (see Directory.Build.targets).
/// </summary>
internal static class StrictUtf8Lines
{
    public static IEnumerable<string?> Read(string file)
    {
        var strict = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        var bytes = File.ReadAllBytes(file);
        var start = bytes.AsSpan().StartsWith(new byte[] { 0xEF, 0xBB, 0xBF }) ? 3 : 0;
        while (start <= bytes.Length)
        {
            var end = Array.IndexOf(bytes, (byte)'\n', start);
            if (end < 0) end = bytes.Length;
            var length = end - start;
            if (length > 0 && bytes[start + length - 1] == '\r') length--;
            string? text;
            try { text = strict.GetString(bytes, start, length); }
            catch (DecoderFallbackException) { text = null; }
            if (end == bytes.Length && length == 0) yield break;
            yield return text;
            start = end + 1;
        }
    }
}
