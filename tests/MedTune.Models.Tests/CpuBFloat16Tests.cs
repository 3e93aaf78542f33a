namespace MedTune.Models.Tests;

public sealed class CpuBFloat16Tests
{
    private const string Avx2 = "processor\t: 0\nflags\t\t: fpu sse2 avx avx2 fma avx512f\n\nprocessor\t: 1\nflags\t\t: fpu sse2 avx avx2 fma avx512f\n";
    private const string SapphireRapids = "processor\t: 0\nflags\t\t: fpu avx2 avx512f avx512_bf16 amx_bf16 amx_tile\n";

    [Fact]
    public void Native_bfloat16_needs_avx512_bf16_or_amx_on_every_core()
    {
        Assert.False(CpuBFloat16.FromCpuInfo(Avx2));
        Assert.True(CpuBFloat16.FromCpuInfo(SapphireRapids));
        Assert.True(CpuBFloat16.FromCpuInfo("flags\t\t: avx2 amx_bf16\n"));
        // A flag that only contains the name does not count.
        Assert.False(CpuBFloat16.FromCpuInfo("flags\t\t: avx2 avx512_bf16x\n"));
        // Nothing known (no /proc/cpuinfo, or ARM's "Features" lines): no warning is raised on a guess.
        Assert.True(CpuBFloat16.FromCpuInfo(null));
        Assert.True(CpuBFloat16.FromCpuInfo("processor\t: 0\nFeatures\t: fp asimd bf16\n"));
    }
}
