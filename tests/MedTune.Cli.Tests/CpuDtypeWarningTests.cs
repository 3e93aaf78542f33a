using MedTune.Manifest;
using MedTune.Tool.Experiments;

namespace MedTune.Cli.Tests;

public sealed class CpuDtypeWarningTests
{
    private static ExperimentManifest Manifest(string dtype, string quantization = "none", string computeDtype = "bfloat16", params string[] models) => new()
    {
        Name = "exp",
        Model = new ModelSection { Base = "builtin:tiny-llama", Dtype = dtype, Quantization = new QuantizationSection { Type = quantization, ComputeDtype = computeDtype } },
        Evaluate = new EvaluateSection { Models = models.Length > 0 ? [.. models] : ["base", "tuned"] },
    };

    [Fact]
    public void Names_every_bfloat16_key_when_training_on_a_cpu_without_native_bfloat16()
    {
        var warning = CpuDtypeWarning.For(Manifest("bfloat16", "nf4"), "cpu", nativeBFloat16: false);
        Assert.NotNull(warning);
        Assert.Contains("model.dtype and model.quantization.compute_dtype bfloat16", warning);
        Assert.Contains("set model.dtype: float32 and model.quantization.compute_dtype: float32", warning);
        Assert.Contains("compute_dtype: float32", CpuDtypeWarning.For(Manifest("float32", "nf4"), "cpu", false));
    }

    [Fact]
    public void Is_silent_where_bfloat16_is_native_on_a_gpu_in_float32_or_without_training()
    {
        Assert.Null(CpuDtypeWarning.For(Manifest("bfloat16"), "cpu", nativeBFloat16: true));
        Assert.Null(CpuDtypeWarning.For(Manifest("bfloat16"), "cuda", nativeBFloat16: false));
        Assert.Null(CpuDtypeWarning.For(Manifest("float32", "nf4", "float32"), "cpu", nativeBFloat16: false));
        // An unquantized base ignores compute_dtype.
        Assert.Null(CpuDtypeWarning.For(Manifest("float32", "none", "bfloat16"), "cpu", nativeBFloat16: false));
        Assert.Null(CpuDtypeWarning.For(Manifest("bfloat16", models: ["base"]), "cpu", nativeBFloat16: false));
    }
}
