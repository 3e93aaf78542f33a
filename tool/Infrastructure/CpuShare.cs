using MedTune.Inference;

namespace MedTune.Tool.Infrastructure;

/// <summary>
/// What <c>--jobs N</c> changes about CPU threads: ONNX Runtime sessions stop spin-waiting between operators, so that
/// stages running side by side do not take each other's cores while idle. Thread counts stay as the libraries choose
/// them: libtorch's results depend on its thread count (measured on the 2-epoch quickstart: training after
/// <c>torch.set_num_threads(1)</c> gave a different adapter from the default two threads), and a lock file must not
/// depend on how many stages ran at once (with this class as it is, --jobs 1 and --jobs 2 write identical lock files).
/// </summary>
public static class CpuShare
{
    /// <returns>Whether anything changed (only with more than one job).</returns>
    public static bool Apply(int jobs)
    {
        if (jobs <= 1) return false;
        InferenceThreads.SpinWait = false;
        return true;
    }
}
