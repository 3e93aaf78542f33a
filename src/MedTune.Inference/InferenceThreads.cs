namespace MedTune.Inference;

/// <summary>
/// Process-wide settings of ONNX Runtime's CPU threads. By default each session's intra-op threads spin-wait between
/// operators, which is fastest when the session has the cores to itself; when several stages run side by side
/// (<c>--jobs N</c>) the spinning threads take the cores the other stages need, so the composition root turns it off.
/// Waiting changes no result. The thread count is left alone: results may depend on it.
/// </summary>
public static class InferenceThreads
{
    private static int _spinWait = 1;

    /// <summary>Whether intra-op threads spin-wait between operators (ONNX Runtime's default, true).</summary>
    public static bool SpinWait
    {
        get => Volatile.Read(ref _spinWait) != 0;
        set => Volatile.Write(ref _spinWait, value ? 1 : 0);
    }
}
