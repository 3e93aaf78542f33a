namespace MedTune.Reporting;

/// <summary>
/// The stable path to an experiment's latest report, <c>artifacts/reports/NAME/</c>: a convenience copy of the report
/// stage's cache entry (its files, not its <c>.medtune-*</c> records), for links, CI artifacts and humans. Never hashed;
/// the content-addressed entry in the cache stays the reference. Replaced as a whole: the copy is built in a temporary
/// sibling and renamed into place, so a reader sees the old report or the new one, never a mix.
/// </summary>
public static class LatestReport
{
    /// <returns>The directory written, <c>reportsRoot/NAME</c>.</returns>
    public static string Publish(string reportStageOutput, string reportsRoot, string experimentName)
    {
        if (!Directory.Exists(reportStageOutput))
            throw new DirectoryNotFoundException($"Report output '{reportStageOutput}' does not exist.");
        Directory.CreateDirectory(reportsRoot);
        var target = Path.Combine(reportsRoot, experimentName);
        var temporary = Path.Combine(reportsRoot, $".{experimentName}.tmp-{Guid.NewGuid():N}");
        var previous = Path.Combine(reportsRoot, $".{experimentName}.old-{Guid.NewGuid():N}");
        try
        {
            Copy(reportStageOutput, temporary);
            if (Directory.Exists(target)) Directory.Move(target, previous);
            Directory.Move(temporary, target);
        }
        finally
        {
            if (Directory.Exists(temporary)) Directory.Delete(temporary, recursive: true);
            if (Directory.Exists(previous)) Directory.Delete(previous, recursive: true);
        }
        return target;
    }

    private static void Copy(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (var file in Directory.GetFiles(source))
        {
            var name = Path.GetFileName(file);
            if (name.StartsWith(".medtune-", StringComparison.Ordinal)) continue; // records are machine facts of the cache entry
            var copy = Path.Combine(destination, name);
            File.Copy(file, copy);
            File.SetAttributes(copy, FileAttributes.Normal); // cache entries are read-only; the copy is the user's to open and replace
        }
        foreach (var directory in Directory.GetDirectories(source))
            Copy(directory, Path.Combine(destination, Path.GetFileName(directory)));
    }
}
