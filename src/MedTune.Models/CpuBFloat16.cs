namespace MedTune.Models;

/// <summary>
/// Whether this machine's CPU multiplies bfloat16 natively (x86 <c>avx512_bf16</c> or AMX <c>amx_bf16</c>). Without
/// either, libtorch runs bfloat16 matmuls in a scalar fallback loop (<c>cpublas_gemm_impl</c>) many times slower than
/// float32: the first QLoRA step of a 7B model with bfloat16 compute had not finished after 25 minutes on a 2-core AVX2
/// machine. Read from <c>/proc/cpuinfo</c>; where there is none (not Linux) nothing is known and this says yes.
/// </summary>
public static class CpuBFloat16
{
    public static bool IsNative { get; } = FromCpuInfo(File.Exists("/proc/cpuinfo") ? File.ReadAllText("/proc/cpuinfo") : null);

    /// <summary>True when every <c>flags</c> line lists avx512_bf16 or amx_bf16, or when <paramref name="cpuinfo"/> is null.</summary>
    public static bool FromCpuInfo(string? cpuinfo)
    {
        if (cpuinfo is null) return true;
        var flagLines = cpuinfo.Split('\n').Where(l => l.StartsWith("flags", StringComparison.Ordinal)).ToList();
        if (flagLines.Count == 0) return true; // e.g. ARM's "Features": not known here
        return flagLines.All(l => l[(l.IndexOf(':') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries) is var flags
                                  && (flags.Contains("avx512_bf16") || flags.Contains("amx_bf16")));
    }
}
