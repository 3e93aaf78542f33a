using MedTune.Inference;
using MedTune.Testing;

namespace MedTune.Cli.Tests;

public class CudaDeviceTests
{
    /// <summary>
    /// evaluate.device: cuda on a build or machine without the CUDA execution provider: a named error with the fix, exit 2,
    /// no stack trace. (On a machine where the CUDA provider does load, the run is expected to succeed instead.)
    /// </summary>
    [Fact]
    public async Task Evaluate_on_cuda_without_cuda_fails_with_the_fix_and_exit_2()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("cuda.yaml"), """
            name: cuda-check
            model:
              base: builtin:tiny-llama
            datasets:
              eval:
                - name: exam
                  path: exam.jsonl
                  format: exam
            evaluate:
              models: [base]
              device: cuda
              decoding: {max_new_tokens: 2}
            """);
        var exam = Path.Combine(RepositoryRoot(), "experiments", "quickstart", "exam.jsonl");
        File.WriteAllLines(dir.File("exam.jsonl"), File.ReadLines(exam).Take(2));
        var cudaLoads = CudaProviderLoads();

        var result = await CliRunner.RunAsync("run", dir.File("cuda.yaml"), "--cache", dir.File("cache"));

        if (cudaLoads)
        {
            Assert.Equal(0, result.ExitCode);
            return;
        }
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("evaluate.device", result.Output);
        Assert.Contains("-p:OnnxBackend=cuda", result.Output);
        Assert.DoesNotContain("   at ", result.Output);
    }

    private static bool CudaProviderLoads()
    {
        try
        {
            using var options = new Microsoft.ML.OnnxRuntime.SessionOptions();
            options.AppendExecutionProvider_CUDA(0);
            return true;
        }
        catch (Exception)
        {
            return false;
        }
    }

    private static string RepositoryRoot()
    {
        var dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "Pipeline.sln"))) dir = Path.GetDirectoryName(dir)!;
        return dir;
    }
}
