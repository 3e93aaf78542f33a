using System.Runtime.InteropServices;

namespace MedTune.Pipeline;

/// <summary>What identifies a file's content without reading it: size, modification time and (Linux) inode.</summary>
public readonly record struct FileIdentity(long Size, long ModifiedTicksUtc, ulong? Inode)
{
    public static FileIdentity Of(FileInfo file) =>
        new(file.Length, file.LastWriteTimeUtc.Ticks, TryGetInode(file.FullName));

    private static bool inodeUnavailable;

    /// <summary>
    /// The inode via libc <c>stat</c> (glibc ≥ 2.33 exports it; <c>st_ino</c> is the second 8-byte field on
    /// x86-64 and arm64). .NET has no public API for it. Null elsewhere or if the call is unavailable.
    /// </summary>
    private static ulong? TryGetInode(string path)
    {
        if (!OperatingSystem.IsLinux() || inodeUnavailable) return null;
        if (RuntimeInformation.ProcessArchitecture is not (Architecture.X64 or Architecture.Arm64)) return null;
        try
        {
            var buffer = new byte[256];
            if (stat(path, buffer) != 0) return null;
            return BitConverter.ToUInt64(buffer, 8);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            inodeUnavailable = true;
            return null;
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int stat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[] buffer);
}
