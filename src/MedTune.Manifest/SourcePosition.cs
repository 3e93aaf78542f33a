namespace MedTune.Manifest;

/// <summary>1-based line and column of a node in the manifest file.</summary>
public readonly record struct SourcePosition(int Line, int Column)
{
    public static readonly SourcePosition None = new(0, 0);
}
