namespace MedTune.Cli.Tests.Fuzzing;

/// <summary>Whether a mutant is invalid by construction (must be exit 2) or may still be a valid input (exit 0 or 2).</summary>
public enum Expectation { MustFail, MayPass }

/// <summary>
/// One seeded bad-input case: a mutation applied to a fresh copy of the quickstart (manifest, data and, for model cases,
/// a local tiny-llama checkpoint in <c>model/</c>). <paramref name="Names"/> is what the error must mention: the file,
/// with <c>:LINE</c> where the mutation sits on a known line.
/// </summary>
public sealed record FuzzCase(int Index, string Family, string Description, Expectation Expect, string Names, bool UsesModel, Action<string> Apply)
{
    public override string ToString() => $"#{Index} {Family}: {Description}";
}
