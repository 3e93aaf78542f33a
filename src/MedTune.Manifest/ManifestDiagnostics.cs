namespace MedTune.Manifest;

/// <summary>
/// What the loader learns while reading one manifest: the errors found so far, and where each key
/// was written (so later checks can point at the right line even though they work on C# objects).
/// </summary>
internal sealed class ManifestDiagnostics(string file)
{
    private readonly Dictionary<string, (SourcePosition Position, string? Raw)> _written = new(StringComparer.Ordinal);
    private readonly List<ManifestError> _errors = new();
    private readonly HashSet<string> _badKeys = new(StringComparer.Ordinal);

    public string File { get; } = file;
    public IReadOnlyList<ManifestError> Errors => _errors;

    /// <summary>Records that <paramref name="keyPath"/> was written at <paramref name="position"/> (raw: the scalar as written, before ${VAR} expansion).</summary>
    public void Written(string keyPath, SourcePosition position, string? raw = null) => _written[keyPath] = (position, raw);

    public bool IsWritten(string keyPath) => _written.ContainsKey(keyPath);

    public string? RawText(string keyPath) => _written.TryGetValue(keyPath, out var w) ? w.Raw : null;

    /// <summary>Where the key was written, else where its nearest written parent was, else the top of the file.</summary>
    public SourcePosition PositionOf(string keyPath)
    {
        for (var path = keyPath; path.Length > 0; path = Parent(path))
            if (_written.TryGetValue(path, out var w)) return w.Position;
        return new SourcePosition(1, 1);
    }

    /// <summary>The key had a type error: its value was not bound, so range checks skip it.</summary>
    public bool HasTypeError(string keyPath) => _badKeys.Contains(keyPath);

    /// <summary>The key's value was not bound (an error was already recorded for a part of it).</summary>
    public void MarkInvalid(string keyPath) => _badKeys.Add(keyPath);

    public void TypeError(string keyPath, SourcePosition at, string message, string? hint = null)
    {
        _badKeys.Add(keyPath);
        Add(keyPath, at, message, hint);
    }

    public void Add(string keyPath, SourcePosition at, string message, string? hint = null) =>
        _errors.Add(new ManifestError(File, at.Line, at.Column, keyPath, message, hint));

    /// <summary>An error about a key, positioned where the key (or its section) was written.</summary>
    public void Add(string keyPath, string message, string? hint = null) => Add(keyPath, PositionOf(keyPath), message, hint);

    public void ThrowIfAny()
    {
        if (_errors.Count == 0) return;
        var ordered = _errors
            .Select((e, i) => (e, i))
            .OrderBy(x => x.e.Line == 0 ? int.MaxValue : x.e.Line).ThenBy(x => x.e.Column).ThenBy(x => x.i)
            .Select(x => x.e)
            .ToList();
        throw new ManifestException(File, ordered);
    }

    private static string Parent(string keyPath)
    {
        var cut = Math.Max(keyPath.LastIndexOf('.'), keyPath.LastIndexOf('['));
        return cut <= 0 ? "" : keyPath[..cut];
    }
}
