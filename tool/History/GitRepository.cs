using System.Diagnostics;
using System.Security.Cryptography;
using MedTune.Pipeline;

namespace MedTune.Tool.History;

/// <summary>
/// Reads files of a git revision straight from the object database with the <c>git</c> command line (<c>ls-tree</c>,
/// <c>cat-file</c>), never a checkout; a null revision is the working tree. Why the git CLI and not LibGit2Sharp:
/// anyone versioning experiments in git has it, it reads every repository layout git itself writes (worktrees,
/// partial clones, SHA-256 object format, new index extensions) where libgit2 lags, and it keeps a per-platform
/// native library out of the tool package; the handful of plumbing calls needed here are stable and scriptable.
/// </summary>
public sealed class GitRepository
{
    private GitRepository(string root) => Root = root;

    /// <summary>The work tree's top directory.</summary>
    public string Root { get; }

    /// <summary>The repository holding <paramref name="directory"/>; a clear error when there is none or git is missing.</summary>
    public static GitRepository Open(string directory)
    {
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"{Path.GetFullPath(directory)} does not exist.");
        var (code, output, error) = Git(directory, "rev-parse", "--show-toplevel");
        if (code != 0)
            throw new ArgumentException(
                $"{Path.GetFullPath(directory)} is not inside a git repository ({error.Trim()}). `medtune diff` compares git revisions of " +
                "experiments: run it in a clone, or `git init` and commit the manifests and lock files first.");
        return new GitRepository(output.Trim());
    }

    /// <summary>The full commit id of <paramref name="revision"/>; a clear error when git does not know it.</summary>
    public string ResolveCommit(string revision)
    {
        var (code, output, _) = Git(Root, "rev-parse", "--verify", "--quiet", revision + "^{commit}");
        if (code != 0) throw new ArgumentException($"'{revision}' is not a commit of {Root} (try HEAD, HEAD~1, a branch, a tag or a commit id).");
        return output.Trim();
    }

    /// <summary>Repository-relative '/'-separated paths of every file at <paramref name="commit"/> (null: tracked and untracked, not ignored, files of the work tree).</summary>
    public IReadOnlyList<string> ListFiles(string? commit, string? under = null)
    {
        var args = commit is null
            ? new List<string> { "ls-files", "-z", "--cached", "--others", "--exclude-standard" }
            : ["ls-tree", "-r", "-z", "--name-only", commit];
        if (under is not null) { args.Add("--"); args.Add(under); }
        var (code, output, error) = Git(Root, [.. args]);
        if (code != 0) throw new InvalidDataException($"git {string.Join(' ', args)} failed in {Root}: {error.Trim()}");
        return output.Split('\0', StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal).Where(p => commit is not null || File.Exists(Path.Combine(Root, p))).ToList();
    }

    /// <summary>The bytes of a file at <paramref name="commit"/> (null: the work tree), or null when it is not there.</summary>
    public byte[]? ReadFile(string? commit, string path)
    {
        if (commit is null)
        {
            var full = Path.Combine(Root, path);
            return File.Exists(full) ? File.ReadAllBytes(full) : null;
        }
        var (code, bytes) = GitBytes(Root, "cat-file", "blob", $"{commit}:{path}");
        return code == 0 ? bytes : null;
    }

    /// <summary>
    /// The content hash medtune's stage keys use for a file (SHA-256) or directory (<see cref="ContentHasher.CombineDirectory"/>)
    /// at <paramref name="commit"/>; null when the path is not in that revision.
    /// </summary>
    public string? HashPath(string? commit, string path)
    {
        if (commit is null)
        {
            var full = Path.Combine(Root, path);
            return File.Exists(full) || Directory.Exists(full) ? ContentHasher.Uncached.HashPath(full) : null;
        }
        if (ReadFile(commit, path) is { } bytes) return Convert.ToHexStringLower(SHA256.HashData(bytes));
        var prefix = path.TrimEnd('/') + "/";
        var files = ListFiles(commit, prefix)
            .Select(file => file[prefix.Length..])
            .Where(relative => !relative.Split('/').Any(part => part.StartsWith(ContentHasher.SkippedPrefix, StringComparison.Ordinal)))
            .Select(relative => (Relative: relative, Bytes: ReadFile(commit, prefix + relative)!))
            .Select(f => new HashedFile(f.Relative, Convert.ToHexStringLower(SHA256.HashData(f.Bytes)), f.Bytes.Length))
            .ToList();
        return files.Count == 0 ? null : ContentHasher.CombineDirectory(files);
    }

    private static (int Code, string Output, string Error) Git(string directory, params string[] args)
    {
        var (code, bytes, error) = Run(directory, args);
        return (code, System.Text.Encoding.UTF8.GetString(bytes), error);
    }

    private static (int Code, byte[] Output) GitBytes(string directory, params string[] args)
    {
        var (code, bytes, _) = Run(directory, args);
        return (code, bytes);
    }

    private static (int Code, byte[] Output, string Error) Run(string directory, string[] args)
    {
        var start = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = directory };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("core.quotepath=off");
        foreach (var arg in args) start.ArgumentList.Add(arg);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("git did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new ArgumentException($"`medtune diff` needs the git command line, which is not installed or not on PATH ({e.Message}).", e);
        }
        using (process)
        {
            var error = process.StandardError.ReadToEndAsync();
            using var memory = new MemoryStream();
            process.StandardOutput.BaseStream.CopyTo(memory);
            process.WaitForExit();
            return (process.ExitCode, memory.ToArray(), error.Result);
        }
    }
}
