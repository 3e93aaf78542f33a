namespace MedTune.Pipeline.Tests;

/// <summary>Issue 12 item 3: a cached entry whose files no longer match its record is reported and rebuilt, never reused silently.</summary>
public class DamagedEntryTests
{
    [Theory]
    [InlineData("flip")]
    [InlineData("delete")]
    [InlineData("extra")]
    public async Task A_damaged_entry_is_reported_and_rebuilt_and_descendants_stay_cached(string damage)
    {
        using var pipeline = new FakePipeline();
        var first = await pipeline.RunAsync();
        var data = Path.Combine(first["merge"].OutputDirectory, "sub", "data.bin");
        switch (damage)
        {
            case "flip":
                var bytes = File.ReadAllBytes(data);
                bytes[1] ^= 0x01;
                File.WriteAllBytes(data, bytes);
                break;
            case "delete": File.Delete(data); break;
            default: File.WriteAllText(Path.Combine(first["merge"].OutputDirectory, "stray.txt"), "x"); break;
        }

        var reporter = new RecordingReporter();
        var second = await pipeline.RunAsync(reporter: reporter);
        Assert.Contains(reporter.Messages, m => m.StartsWith("warning: merge: the cached output", StringComparison.Ordinal)
                                                && m.Contains(damage == "extra" ? "stray.txt" : "sub/data.bin", StringComparison.Ordinal));
        Assert.Equal(StageRunStatus.Ran, second["merge"].Status);
        Assert.Equal(2, pipeline.Stages["merge"].Runs);
        Assert.Equal(first["merge"].OutputHash, second["merge"].OutputHash);
        Assert.Equal(StageRunStatus.Cached, second["report"].Status);
        Assert.Empty(EntryIntegrity.Check(pipeline.Cache.TryGetEntry("merge", second["merge"].Key)!, ContentHasher.Uncached));
        Assert.Empty(Directory.EnumerateDirectories(pipeline.Cache.KindDirectory("merge"), ".*"));
    }

    [Fact]
    public async Task An_intact_entry_is_reused_without_rereading_its_files()
    {
        using var pipeline = new FakePipeline();
        await pipeline.RunAsync();
        var reporter = new RecordingReporter();
        var second = await pipeline.RunAsync(reporter: reporter);
        Assert.All(second.Stages, s => Assert.Equal(StageRunStatus.Cached, s.Status));
        Assert.DoesNotContain(reporter.Messages, m => m.Contains("damaged", StringComparison.Ordinal));
        // The entry files' hashes are remembered by (size, mtime, inode): the next check is a stat per file.
        var cache = pipeline.Cache;   // reads the hash cache the second run saved
        var entry = cache.TryGetEntry("merge", second["merge"].Key)!;
        var path = Path.Combine(entry.Directory, "result.txt");
        Assert.True(cache.HashCache.TryGet(Path.GetFullPath(path), FileIdentity.Of(new FileInfo(path)), out _));
    }
}
