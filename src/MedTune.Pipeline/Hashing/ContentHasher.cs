using System.Security.Cryptography;
using System.Text;

namespace MedTune.Pipeline;

/// <summary>A file inside a hashed directory: '/'-separated relative path, SHA-256 (lower-case hex) and size.</summary>
public sealed record HashedFile(string RelativePath, string Sha256, long Size);

/// <summary>
/// SHA-256 of files and directories, streamed (never reading a whole checkpoint into memory). A file's hash is
/// the plain SHA-256 of its bytes (what <c>sha256sum</c> prints). A directory's hash covers every file below it,
/// by sorted relative path and content hash; names starting with <see cref="SkippedPrefix"/> (pipeline temp
/// files and the stage record) are left out, nothing else is. Empty sub-directories do not count.
/// </summary>
public sealed class ContentHasher
{
    /// <summary>Files and directories whose name starts with this are pipeline bookkeeping, not content.</summary>
    public const string SkippedPrefix = ".medtune-";

    private const int BufferSize = 1 << 20;
    private readonly HashCache? cache;

    /// <param name="cache">Remembers file hashes between runs; null hashes every file every time (used by verify).</param>
    public ContentHasher(HashCache? cache = null) => this.cache = cache;

    /// <summary>A hasher that always reads the bytes.</summary>
    public static ContentHasher Uncached { get; } = new();

    /// <summary>Hash of a file or a directory.</summary>
    public string HashPath(string path, CancellationToken cancellationToken = default)
    {
        if (File.Exists(path)) return HashFile(path, cancellationToken);
        if (Directory.Exists(path)) return HashDirectory(path, cancellationToken);
        throw new FileNotFoundException($"Cannot hash '{path}': no such file or directory.", path);
    }

    public string HashDirectory(string directory, CancellationToken cancellationToken = default) =>
        CombineDirectory(HashFiles(directory, cancellationToken));

    /// <summary>Every file under <paramref name="directory"/> with its hash, sorted by relative path (ordinal).</summary>
    public IReadOnlyList<HashedFile> HashFiles(string directory, CancellationToken cancellationToken = default)
    {
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"Cannot hash '{directory}': no such directory.");
        var files = new List<HashedFile>();
        foreach (var relative in ListFiles(directory))
        {
            var full = Path.Combine(directory, relative);
            files.Add(new HashedFile(relative, HashFile(full, cancellationToken), new FileInfo(full).Length));
        }
        return files;
    }

    /// <summary>The directory hash of an already hashed file list (order does not matter).</summary>
    public static string CombineDirectory(IEnumerable<HashedFile> files)
    {
        var text = new StringBuilder("medtune-directory-v1\n");
        foreach (var file in files.OrderBy(f => f.RelativePath, StringComparer.Ordinal))
            text.Append(file.RelativePath).Append('\0').Append(file.Sha256).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    public string HashFile(string path, CancellationToken cancellationToken = default)
    {
        var info = new FileInfo(Path.GetFullPath(path));
        if (!info.Exists) throw new FileNotFoundException($"Cannot hash '{path}': no such file.", path);
        var identity = FileIdentity.Of(info);
        if (cache is not null && cache.TryGet(info.FullName, identity, out var known)) return known;

        var sha = HashStream(info.FullName, cancellationToken);
        // Only remember the hash if the file did not change while we read it.
        if (cache is not null && FileIdentity.Of(new FileInfo(info.FullName)) == identity)
            cache.Put(info.FullName, identity, sha);
        return sha;
    }

    /// <summary>Relative paths ('/'-separated, sorted ordinally) of the files that count towards a directory hash.</summary>
    public static IReadOnlyList<string> ListFiles(string directory)
    {
        var result = new List<string>();
        var root = new DirectoryInfo(directory);
        Collect(root, "", result, [RealPath(root)]);
        result.Sort(StringComparer.Ordinal);
        return result;
    }

    /// <param name="ancestors">Real paths of the directories being walked, to catch symbolic-link loops.</param>
    private static void Collect(DirectoryInfo directory, string prefix, List<string> result, HashSet<string> ancestors)
    {
        foreach (var entry in directory.EnumerateFileSystemInfos())
        {
            if (entry.Name.StartsWith(SkippedPrefix, StringComparison.Ordinal)) continue;
            var relative = prefix + entry.Name;
            if (entry is not DirectoryInfo sub)
            {
                result.Add(relative);
                continue;
            }
            var real = RealPath(sub);
            if (!ancestors.Add(real))
                throw new IOException($"'{sub.FullName}' is a symbolic link back to '{real}', which it is inside of; remove the link loop.");
            Collect(sub, relative + "/", result, ancestors);
            ancestors.Remove(real);
        }
    }

    private static string RealPath(DirectoryInfo directory) =>
        directory.LinkTarget is null ? directory.FullName : directory.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? directory.FullName;

    private static string HashStream(string path, CancellationToken cancellationToken)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.SequentialScan);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[BufferSize];
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            sha.AppendData(buffer, 0, read);
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}
