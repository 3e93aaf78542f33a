namespace MedTune.Inference;

/// <summary>
/// The CPU threads each ONNX Runtime session may use in this process — the counterpart of libtorch's process-wide
/// <c>torch.set_num_threads</c>. 0 (the default) keeps ONNX Runtime's own choice: one intra-op thread per core,
/// spin-waiting between operators. When several stages run side by side (<c>--jobs N</c>), the composition root sets
/// each stage's share of the cores, and sessions then stop spin-waiting, which would otherwise take the cores the
/// concurrent stages need.
/// </summary>
public static class InferenceThreads
{
    private static int _intraOp;

    /// <summary>Intra-op threads per session; 0 = ONNX Runtime's default.</summary>
    public static int IntraOp
    {
        get => Volatile.Read(ref _intraOp);
        set => Volatile.Write(ref _intraOp, value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "give 0 (default) or more threads"));
    }
}
