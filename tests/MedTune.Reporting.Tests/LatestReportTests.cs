using MedTune.Testing;

namespace MedTune.Reporting.Tests;

public sealed class LatestReportTests
{
    [Fact]
    public void Publishes_a_copy_without_records_and_replaces_the_previous_one_whole()
    {
        using var temp = new TempDirectory();
        var entry = Directory.CreateDirectory(temp.File("cache/report/abc")).FullName;
        Directory.CreateDirectory(Path.Combine(entry, "charts"));
        File.WriteAllText(Path.Combine(entry, "report.md"), "# new\n");
        File.WriteAllText(Path.Combine(entry, "charts", "metrics-a.png"), "png");
        File.WriteAllText(Path.Combine(entry, ".medtune-record.json"), "{}");
        File.SetAttributes(Path.Combine(entry, "report.md"), FileAttributes.ReadOnly);
        var reports = temp.File("artifacts/reports");
        Directory.CreateDirectory(Path.Combine(reports, "exp"));
        File.WriteAllText(Path.Combine(reports, "exp", "stale-file.txt"), "from an older run");

        var published = LatestReport.Publish(entry, reports, "exp");

        Assert.Equal(Path.Combine(reports, "exp"), published);
        Assert.Equal("# new\n", File.ReadAllText(Path.Combine(published, "report.md")));
        Assert.True(File.Exists(Path.Combine(published, "charts", "metrics-a.png")));
        Assert.False(File.Exists(Path.Combine(published, ".medtune-record.json")));
        Assert.False(File.Exists(Path.Combine(published, "stale-file.txt")));
        Assert.Equal(["exp"], Directory.GetFileSystemEntries(reports).Select(Path.GetFileName)); // no temporary left behind
        File.WriteAllText(Path.Combine(published, "report.md"), "writable copy"); // the copy is not read-only like the cache
        File.SetAttributes(Path.Combine(entry, "report.md"), FileAttributes.Normal);
    }

    [Fact]
    public void Missing_report_output_is_named()
    {
        using var temp = new TempDirectory();
        var error = Assert.Throws<DirectoryNotFoundException>(() => LatestReport.Publish(temp.File("nope"), temp.File("reports"), "exp"));
        Assert.Contains("nope", error.Message);
        Assert.False(Directory.Exists(temp.File("reports/exp")));
    }
}
