namespace MedTune.Scoring;

/// <summary>Gets the model's answer R out of a generated continuation (spec "Extracting R").</summary>
public static class ResponseExtractor
{
    /// <summary>
    /// Text after the first occurrence of a response marker (the earliest of any of the given
    /// spellings; at equal positions the longer marker), then the first non-empty line, stripped.
    /// Pass the continuation only, never the prompt: few-shot examples in the prompt carry their own
    /// markers and answers.
    /// </summary>
    public static string Extract(string continuation, IEnumerable<string> responseMarkers)
    {
        string text = continuation;
        int bestAt = -1, bestLength = 0;
        foreach (var marker in responseMarkers)
        {
            if (marker.Length == 0) continue;
            int at = continuation.IndexOf(marker, StringComparison.Ordinal);
            if (at < 0) continue;
            if (bestAt < 0 || at < bestAt || (at == bestAt && marker.Length > bestLength)) (bestAt, bestLength) = (at, marker.Length);
        }
        if (bestAt >= 0) text = continuation[(bestAt + bestLength)..];
        foreach (var line in PythonText.Strip(text).Split('\n'))
        {
            string stripped = PythonText.Strip(line);
            if (stripped.Length > 0) return stripped;
        }
        return "";
    }

    /// <summary>The spec's <c>clean(s)</c>: remove ASCII '.', then strip white space. Nothing else.</summary>
    public static string Clean(string s) => PythonText.Strip(s.Replace(".", "", StringComparison.Ordinal));
}

/// <summary>Python <c>str.strip()</c> semantics: the reference harness strips Python's white space set.</summary>
public static class PythonText
{
    /// <summary>True for the code points Python's <c>str.isspace()</c> accepts (BMP; none exist above it).</summary>
    public static bool IsWhiteSpace(char c) => c switch
    {
        >= '\t' and <= '\r' => true,
        '\u001c' or '\u001d' or '\u001e' or '\u001f' => true,
        ' ' or '\u0085' or '\u00a0' or '\u1680' => true,
        >= '\u2000' and <= '\u200a' => true,
        '\u2028' or '\u2029' or '\u202f' or '\u205f' or '\u3000' => true,
        _ => false,
    };

    public static string Strip(string s)
    {
        int start = 0, end = s.Length;
        while (start < end && IsWhiteSpace(s[start])) start++;
        while (end > start && IsWhiteSpace(s[end - 1])) end--;
        return s[start..end];
    }
}
