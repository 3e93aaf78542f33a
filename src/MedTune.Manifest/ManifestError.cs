namespace MedTune.Manifest;

/// <summary>
/// One problem in a manifest. <paramref name="Line"/> and <paramref name="Column"/> are 1-based;
/// 0 means the problem has no position in the file (e.g. the file cannot be read).
/// <paramref name="KeyPath"/> names the key, e.g. <c>lora.r</c> or <c>datasets.eval[1].path</c>.
/// </summary>
public sealed record ManifestError(string File, int Line, int Column, string KeyPath, string Message, string? Hint = null)
{
    public override string ToString()
    {
        var where = Line > 0 ? $"{File}:{Line}:{Column}" : File;
        var key = KeyPath.Length > 0 ? $" {KeyPath}:" : "";
        var hint = Hint is null ? "" : $"{Environment.NewLine}    hint: {Hint}";
        return $"{where}:{key} {Message}{hint}";
    }
}

/// <summary>A manifest that cannot be used; <see cref="Errors"/> lists every problem found, in file order.</summary>
public sealed class ManifestException : Exception
{
    public IReadOnlyList<ManifestError> Errors { get; }
    public string File { get; }

    public ManifestException(string file, IReadOnlyList<ManifestError> errors)
        : base(Describe(file, errors))
    {
        File = file;
        Errors = errors;
    }

    public ManifestException(ManifestError error) : this(error.File, [error]) { }

    private static string Describe(string file, IReadOnlyList<ManifestError> errors)
    {
        var count = errors.Count == 1 ? "1 error" : $"{errors.Count} errors";
        return $"Invalid manifest {file} ({count}):" + Environment.NewLine
            + string.Join(Environment.NewLine, errors.Select(e => e.ToString()));
    }
}
