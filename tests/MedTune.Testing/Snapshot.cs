using Snapshooter.Xunit;

namespace MedTune.Testing;

/// <summary>
/// The one place tests take snapshots. The users' choice is Verify.Xunit, whose core package is not in
/// the registry here, so this wraps Snapshooter.Xunit (snapshots under <c>__snapshots__/</c> beside the
/// test file). Swapping back to Verify means changing this class only.
/// </summary>
public static class Snapshot
{
    /// <summary>Matches <paramref name="value"/> against the stored snapshot named after the calling test (plus <paramref name="name"/>).</summary>
    public static void Match(object value, string? name = null)
    {
        if (name is null) Snapshooter.Xunit.Snapshot.Match(value);
        else Snapshooter.Xunit.Snapshot.Match(value, Snapshooter.Xunit.Snapshot.FullName(new Snapshooter.SnapshotNameExtension(name)));
    }
}
