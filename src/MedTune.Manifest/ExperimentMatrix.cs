namespace MedTune.Manifest;

/// <summary>
/// A manifest read as a set of experiments: one <see cref="ExperimentVariant"/> per point of its
/// <c>matrix:</c> (or a single variant when it has none). Every variant is a plain, fully validated
/// <see cref="ExperimentManifest"/> whose <see cref="ExperimentManifest.Name"/> is the variant's name,
/// so the rest of medtune never sees the matrix.
/// </summary>
public sealed class ExperimentMatrix
{
    public required string Name { get; init; }
    public required string ManifestPath { get; init; }
    /// <summary>True when the manifest has a <c>matrix:</c> section.</summary>
    public required bool IsMatrix { get; init; }
    public required IReadOnlyList<ExperimentVariant> Variants { get; init; }
    /// <summary><c>report.compare</c>: pairs of variants to test against each other (variant names).</summary>
    public IReadOnlyList<VariantPair> Compare { get; init; } = [];

    /// <summary>The variant a <c>--variant</c> value names: its full name, or its label (the part after '@').</summary>
    public ExperimentVariant Find(string nameOrLabel) =>
        Variants.FirstOrDefault(v => v.Name == nameOrLabel || v.Label == nameOrLabel)
        ?? throw new ArgumentException(
            $"{ManifestPath}: no variant '{nameOrLabel}'"
            + (DidYouMean.Suggest(nameOrLabel, Variants.Select(v => v.Label)) is { } s ? $"; did you mean '{s}'?" : "")
            + $" Variants: {string.Join(", ", Variants.Select(v => v.Label))}.");
}

/// <summary>One experiment of a matrix.</summary>
/// <param name="Name">Stable and filesystem-safe: <c>NAME@key=value,key=value</c> (just <c>NAME</c> without a matrix). Names the lock file.</param>
/// <param name="Label">The part after '@' (empty without a matrix).</param>
/// <param name="Values">Axis (dotted key path) → the value as written, in axis order.</param>
public sealed record ExperimentVariant(string Name, string Label, IReadOnlyList<KeyValuePair<string, string>> Values, ExperimentManifest Manifest);

/// <summary>Two variants whose results the report tests against each other (paired tests).</summary>
public sealed record VariantPair(string First, string Second);
