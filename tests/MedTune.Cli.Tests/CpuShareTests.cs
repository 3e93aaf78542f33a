using MedTune.Inference;
using MedTune.Tool.Infrastructure;

namespace MedTune.Cli.Tests;

public sealed class CpuShareTests
{
    [Fact]
    public void Several_jobs_stop_onnx_runtime_spinning_and_one_job_changes_nothing()
    {
        var before = InferenceThreads.SpinWait;
        try
        {
            InferenceThreads.SpinWait = true;
            Assert.False(CpuShare.Apply(1));
            Assert.True(InferenceThreads.SpinWait);
            Assert.True(CpuShare.Apply(2));
            Assert.False(InferenceThreads.SpinWait); // waiting changes no result, so other tests in this process are unaffected
        }
        finally
        {
            InferenceThreads.SpinWait = before;
        }
    }
}
