using MedTune.Inference;
using TorchSharp;

namespace MedTune.Tool.Infrastructure;

/// <summary>
/// Divides the cores among the stages <c>--jobs N</c> runs side by side: each gets <c>cores / N</c> (at least one)
/// libtorch threads and ONNX Runtime intra-op threads. Without it every concurrent stage starts one thread per core,
/// and on a small machine the stages' spin-waiting threads take turns on the same cores (two quickstart stages side
/// by side were slower than one after the other). With one job nothing changes: the libraries' defaults stand.
/// Results do not depend on the thread count (the lock files of --jobs 1 and --jobs 2 are identical).
/// </summary>
public static class CpuShare
{
    /// <returns>Threads per stage, or 0 when <paramref name="jobs"/> is 1 (library defaults).</returns>
    public static int Apply(int jobs, int cores)
    {
        if (jobs <= 1) return 0;
        var threads = ThreadsPerStage(jobs, cores);
        torch.set_num_threads(threads);
        InferenceThreads.IntraOp = threads;
        return threads;
    }

    public static int ThreadsPerStage(int jobs, int cores) => Math.Max(1, cores / Math.Max(1, jobs));
}
