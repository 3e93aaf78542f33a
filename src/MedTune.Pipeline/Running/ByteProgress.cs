namespace MedTune.Pipeline;

/// <summary>
/// Lets libraries that know nothing of the pipeline (checkpoint loading, merging, export) report progress as a
/// plain <see cref="IProgress{T}"/> of bytes done; the stage shows it through its reporter as megabytes, with ETA.
/// </summary>
public static class ByteProgress
{
    public const string Unit = "MB";

    /// <summary>Starts a bar over <paramref name="totalBytes"/> and returns it with the byte counter that drives it.</summary>
    public static (IStageProgress Bar, IProgress<long> Bytes) Start(IStageReporter reporter, string description, long totalBytes)
    {
        var bar = reporter.StartProgress(description, totalBytes / 1e6, Unit);
        return (bar, new Forwarder(bar));
    }

    // Synchronous (unlike Progress<T>, which posts to a SynchronizationContext): the stage's thread reports in order.
    private sealed class Forwarder(IStageProgress bar) : IProgress<long>
    {
        public void Report(long bytes) => bar.Increment(bytes / 1e6);
    }
}
