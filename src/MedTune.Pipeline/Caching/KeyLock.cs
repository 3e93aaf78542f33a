namespace MedTune.Pipeline;

/// <summary>
/// Exclusive, cross-process lock on one cache key (<c>&lt;root&gt;/&lt;kind&gt;/.lock-&lt;key&gt;</c>): an open
/// <see cref="FileStream"/> with <see cref="FileShare.None"/>, which .NET turns into an advisory
/// <c>flock</c> on Unix and a sharing lock on Windows. The OS releases it when the holder dies, so a
/// killed run never leaves the key locked. Lock files are never deleted (deleting one would let two
/// processes lock two different files of the same name).
/// </summary>
public sealed class KeyLock : IDisposable
{
    private readonly FileStream stream;

    private KeyLock(FileStream stream) => this.stream = stream;

    public string Path => stream.Name;

    public static KeyLock? TryAcquire(string lockFilePath)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(lockFilePath)!);
        try
        {
            return new KeyLock(new FileStream(lockFilePath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Waits until the lock is free; <paramref name="onWait"/> is called once if it is not free at first.</summary>
    public static async Task<KeyLock> AcquireAsync(string lockFilePath, Action onWait, TimeSpan pollInterval, CancellationToken cancellationToken)
    {
        var waited = false;
        while (true)
        {
            if (TryAcquire(lockFilePath) is { } acquired) return acquired;
            if (!waited)
            {
                onWait();
                waited = true;
            }
            await Task.Delay(pollInterval, cancellationToken);
        }
    }

    public void Dispose() => stream.Dispose();
}
