using MedTune.Testing;

namespace MedTune.Pipeline.Tests;

public class ContentHasherTests
{
    [Fact]
    public void File_hash_is_the_plain_sha256_of_its_bytes()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("abc.txt"), "abc");
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", ContentHasher.Uncached.HashPath(dir.File("abc.txt")));
    }

    [Fact]
    public void Directory_hash_depends_on_paths_and_contents_not_creation_order_and_skips_pipeline_files()
    {
        using var a = new TempDirectory();
        using var b = new TempDirectory();
        Directory.CreateDirectory(Path.Combine(a.Path, "sub"));
        File.WriteAllText(a.File("x.txt"), "x");
        File.WriteAllText(Path.Combine(a.Path, "sub", "y.txt"), "y");
        File.WriteAllText(a.File(".medtune-record.json"), "{}");
        Directory.CreateDirectory(Path.Combine(b.Path, "sub"));
        File.WriteAllText(Path.Combine(b.Path, "sub", "y.txt"), "y");
        File.WriteAllText(b.File("x.txt"), "x");
        Directory.CreateDirectory(Path.Combine(b.Path, ".medtune-tmp"));
        File.WriteAllText(Path.Combine(b.Path, ".medtune-tmp", "junk"), "junk");

        var hash = ContentHasher.Uncached.HashPath(a.Path);
        Assert.Equal(hash, ContentHasher.Uncached.HashPath(b.Path));
        Assert.Equal(["sub/y.txt", "x.txt"], ContentHasher.ListFiles(a.Path));

        File.WriteAllText(b.File(".hidden"), ""); // dot files other than .medtune-* count
        Assert.NotEqual(hash, ContentHasher.Uncached.HashPath(b.Path));
        File.Delete(b.File(".hidden"));
        File.Move(b.File("x.txt"), b.File("z.txt"));
        Assert.NotEqual(hash, ContentHasher.Uncached.HashPath(b.Path));
    }

    [Fact]
    public void Symbolic_links_are_followed_and_link_loops_are_a_clear_error()
    {
        using var dir = new TempDirectory();
        using var elsewhere = new TempDirectory();
        File.WriteAllText(elsewhere.File("blob"), "weights");
        File.CreateSymbolicLink(dir.File("model.safetensors"), elsewhere.File("blob")); // Hugging Face cache layout
        Assert.Equal(ContentHasher.Uncached.HashFile(elsewhere.File("blob")), ContentHasher.Uncached.HashFiles(dir.Path).Single().Sha256);

        Directory.CreateDirectory(dir.File("sub"));
        Directory.CreateSymbolicLink(dir.File("sub/loop"), dir.Path);
        var error = Assert.Throws<IOException>(() => ContentHasher.Uncached.HashDirectory(dir.Path));
        Assert.Contains("link loop", error.Message);
    }

    [Fact]
    public void Missing_path_is_a_clear_error()
    {
        var error = Assert.Throws<FileNotFoundException>(() => ContentHasher.Uncached.HashPath("/nonexistent/medtune/x"));
        Assert.Contains("/nonexistent/medtune/x", error.Message);
    }

    [Fact]
    public void Hash_cache_is_used_while_size_and_mtime_are_unchanged_and_persists_across_instances()
    {
        using var dir = new TempDirectory();
        var file = dir.File("weights.bin");
        File.WriteAllBytes(file, [1, 2, 3, 4]);
        var cacheFile = dir.File("cache/.hashes.json");
        var hasher = new ContentHasher(HashCache.Open(cacheFile));
        var original = hasher.HashFile(file);
        var cache = HashCache.Open(cacheFile);
        cache.Put(Path.GetFullPath(file), FileIdentity.Of(new FileInfo(file)), original);
        cache.Save();

        // Same size and mtime, different bytes: a fresh hasher reading the saved cache trusts it (proves it is used)...
        var mtime = File.GetLastWriteTimeUtc(file);
        File.WriteAllBytes(file, [9, 9, 9, 9]);
        File.SetLastWriteTimeUtc(file, mtime);
        Assert.Equal(original, new ContentHasher(HashCache.Open(cacheFile)).HashFile(file));
        // ...and an uncached hasher sees the truth.
        var truth = ContentHasher.Uncached.HashFile(file);
        Assert.NotEqual(original, truth);

        // A new mtime invalidates the cached hash.
        File.SetLastWriteTimeUtc(file, mtime.AddSeconds(1));
        Assert.Equal(truth, new ContentHasher(HashCache.Open(cacheFile)).HashFile(file));
    }

    [Fact]
    public void Corrupt_hash_cache_file_is_ignored()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File(".hashes.json"), "{ not json");
        File.WriteAllText(dir.File("a"), "abc");
        var cache = HashCache.Open(dir.File(".hashes.json"));
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", new ContentHasher(cache).HashFile(dir.File("a")));
        cache.Save();
        Assert.Contains("ba7816bf", File.ReadAllText(dir.File(".hashes.json")));
    }
}

public class FileIdentityTests
{
    [Fact]
    public void Identity_has_size_mtime_and_on_linux_the_inode()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("a"), "12345");
        File.WriteAllText(dir.File("b"), "12345");
        var a = FileIdentity.Of(new FileInfo(dir.File("a")));
        var b = FileIdentity.Of(new FileInfo(dir.File("b")));
        Assert.Equal(5, a.Size);
        Assert.Equal(File.GetLastWriteTimeUtc(dir.File("a")).Ticks, a.ModifiedTicksUtc);
        if (!OperatingSystem.IsLinux()) return;
        Assert.NotNull(a.Inode);
        Assert.NotEqual(a.Inode, b.Inode);

        // Replacing a file by rename (same size, same mtime) changes its identity through the inode.
        File.SetLastWriteTimeUtc(dir.File("b"), File.GetLastWriteTimeUtc(dir.File("a")));
        File.Move(dir.File("b"), dir.File("a"), overwrite: true);
        var replaced = FileIdentity.Of(new FileInfo(dir.File("a")));
        Assert.Equal((a.Size, a.ModifiedTicksUtc), (replaced.Size, replaced.ModifiedTicksUtc));
        Assert.NotEqual(a, replaced);
    }
}
