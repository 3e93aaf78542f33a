using MedTune.Manifest;

namespace MedTune.Tool.Experiments;

/// <summary>
/// <c>plan</c> and <c>run</c> warn when an experiment would train in bfloat16 on a CPU that has no native bfloat16
/// (<see cref="Models.CpuBFloat16"/>): the run would be correct but many times slower than in float32, which costs only
/// memory that <c>plan</c> shows.
/// </summary>
public static class CpuDtypeWarning
{
    /// <param name="trainDevice">Where training runs (<c>cpu</c> or <c>cuda</c>, resolved).</param>
    /// <param name="nativeBFloat16">Whether this CPU multiplies bfloat16 natively.</param>
    public static string? For(ExperimentManifest manifest, string trainDevice, bool nativeBFloat16)
    {
        if (nativeBFloat16 || trainDevice != "cpu" || !manifest.Evaluate.Models.Contains("tuned")) return null;
        var keys = new List<string>();
        if (manifest.Model.Dtype == "bfloat16") keys.Add("model.dtype");
        if (manifest.Model.Quantization.Type != "none" && manifest.Model.Quantization.ComputeDtype == "bfloat16") keys.Add("model.quantization.compute_dtype");
        if (keys.Count == 0) return null;
        return $"{manifest.Name}: {string.Join(" and ", keys)} bfloat16 on a CPU without native bfloat16 (no avx512_bf16 or amx_bf16 " +
               "in /proc/cpuinfo): libtorch multiplies bfloat16 in a slow fallback loop, many times slower than float32 (a 7B QLoRA " +
               $"step had not finished after 25 minutes on a 2-core AVX2 machine). On this machine set {string.Join(" and ", keys.Select(k => k + ": float32"))}; " +
               "medtune plan shows the memory that costs.";
    }

    /// <summary>The warning for this machine, with the training device resolved as <c>plan</c> resolves it (without building the plan).</summary>
    public static string? ForThisMachine(ExperimentManifest manifest) =>
        For(manifest, ExperimentResources.TrainDeviceOf(manifest), Models.CpuBFloat16.IsNative);
}
