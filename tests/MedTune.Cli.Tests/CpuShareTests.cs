using MedTune.Inference;
using MedTune.Tool.Infrastructure;

namespace MedTune.Cli.Tests;

public sealed class CpuShareTests
{
    [Theory]
    [InlineData(2, 2, 1)]   // this machine: two stages side by side, one thread each
    [InlineData(3, 2, 1)]   // more jobs than cores: never below one thread
    [InlineData(2, 16, 8)]
    [InlineData(4, 18, 4)]  // the remainder is left idle rather than oversubscribing
    public void Each_concurrent_stage_gets_its_share_of_the_cores(int jobs, int cores, int expected) =>
        Assert.Equal(expected, CpuShare.ThreadsPerStage(jobs, cores));

    [Fact]
    public void One_job_keeps_the_libraries_defaults()
    {
        var before = InferenceThreads.IntraOp;
        Assert.Equal(0, CpuShare.Apply(1, 2));
        Assert.Equal(before, InferenceThreads.IntraOp);
    }
}
