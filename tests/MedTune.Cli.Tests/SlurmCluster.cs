using System.Diagnostics;
using MedTune.Testing;

namespace MedTune.Cli.Tests;

/// <summary>
/// A real one-node Slurm cluster on localhost for the Slurm executor's tests: installs Debian's slurm-wlm and munge
/// when they are missing (eng/slurm/install.sh, needs root and apt), starts munged, slurmctld and slurmd with a
/// private slurm.conf (eng/slurm/local-slurm.sh), waits for the node to be idle, and stops them afterwards. When
/// Slurm cannot be installed or started, every test using it fails with the reason.
/// </summary>
public sealed class SlurmCluster : IDisposable
{
    private readonly TempDirectory directory = new();
    private readonly string script = Path.Combine(SharedData.RepoRoot, "eng", "slurm", "local-slurm.sh");

    public SlurmCluster()
    {
        try
        {
            var install = Run(Path.Combine(SharedData.RepoRoot, "eng", "slurm", "install.sh"));
            if (install.ExitCode != 0) Failure = $"Slurm is not installed and eng/slurm/install.sh failed (it needs root and apt):\n{install.Output}";
            else
            {
                var start = Run(script, "start", directory.Path);
                if (start.ExitCode != 0) Failure = $"the local Slurm cluster did not start:\n{start.Output}";
            }
        }
        catch (Exception e)
        {
            Failure = $"could not set up Slurm: {e.Message}";
        }
        if (Failure is null)
        {
            // The in-process medtune's sbatch/squeue/scancel (and the jobs, which inherit the environment) use this cluster.
            Environment.SetEnvironmentVariable("SLURM_CONF", ConfigPath);
            // Jobs start the tool built beside the tests (the test host is not medtune).
            var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Parent!.Name; // bin/<configuration>/net10.0/
            var tool = Path.Combine(SharedData.RepoRoot, "tool", "bin", configuration, "net10.0", "medtune.dll");
            Environment.SetEnvironmentVariable("MEDTUNE_SLURM_COMMAND", $"{DotnetHost()} {tool}");
        }
    }

    /// <summary>Why the cluster is not usable; null when it is.</summary>
    public string? Failure { get; }
    public string ConfigPath => Path.Combine(directory.Path, "slurm.conf");

    /// <summary>Fails the calling test with the reason when Slurm is not available.</summary>
    public void Require() => Assert.True(Failure is null, Failure);

    public (int ExitCode, string Output) Squeue() => Run("squeue");

    public void Dispose()
    {
        if (File.Exists(ConfigPath)) Run(script, "stop", directory.Path);
        directory.Dispose();
    }

    internal static string DotnetHost()
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        return string.IsNullOrEmpty(host) || !File.Exists(host) ? Environment.ProcessPath! : host;
    }

    private static (int ExitCode, string Output) Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10))) process.Kill(entireProcessTree: true);
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
