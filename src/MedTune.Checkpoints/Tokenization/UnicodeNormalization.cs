using System.Text;

namespace MedTune.Checkpoints.Tokenization;

/// <summary>
/// Whether string.Normalize really normalises here. With InvariantGlobalization=true (.NET without ICU) it silently
/// returns non-ASCII text unchanged, which would give different ids than HF for text such as か + U+3099.
/// </summary>
internal static class UnicodeNormalization
{
    public static bool IsAvailable { get; } = "\u304B\u3099".Normalize(NormalizationForm.FormC) == "\u304C";

    /// <summary>True, or a clear error naming <paramref name="path"/>, <paramref name="feature"/> and the fix.</summary>
    public static bool Require(string path, string feature) => IsAvailable
        ? true
        : throw new CheckpointException(
            $"{path}: {feature} needs Unicode normalisation, which .NET turns off when the application runs with InvariantGlobalization=true. "
            + "Set <InvariantGlobalization>false</InvariantGlobalization> in the application's project (libicu must be installed).");
}
