using System.Runtime.InteropServices;

namespace MedTune.Tool.Infrastructure;

/// <summary>
/// How glibc's malloc serves libtorch's tensors in this process. By default glibc raises its mmap threshold to the
/// size of the largest block freed so far (up to 32 MB), so after the first large tensor is freed, every tensor below
/// that size comes from the heap arenas, whose freed space is kept, fragmented, instead of returned to the system. A
/// QLoRA step allocates and frees hundreds of 8–22 MB activations and gradients per decoder layer in a changing
/// pattern, and the arenas grew by about 100 MB per layer: 3.83 GB resident for 2 steps on a 6-layer Llama-2-7B
/// shape, 2.89 GB with the threshold fixed at 1 MB (eng/bench/scale; the estimate is 3.24 GB). A fixed threshold
/// (<c>mallopt(M_MMAP_THRESHOLD)</c>, what <c>MALLOC_MMAP_THRESHOLD_</c> sets) maps every block above it on its own
/// and unmaps it when freed, so resident memory follows the live tensors.
/// </summary>
public static class NativeHeap
{
    /// <summary>Blocks at least this large are mapped on their own (a few page faults per tensor, nothing retained).</summary>
    public const int MmapThresholdBytes = 1 << 20;

    private const int M_MMAP_THRESHOLD = -3;

    /// <summary>Fixes glibc's mmap threshold for this process; does nothing where the C library is not glibc.</summary>
    public static void ReturnLargeBlocksToSystem()
    {
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            mallopt(M_MMAP_THRESHOLD, MmapThresholdBytes);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // musl and other C libraries: their allocators behave differently; nothing to set.
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int mallopt(int parameter, int value);
}
