using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;

namespace MedTune.Pipeline;

/// <summary>The machine, software and experiment commit a stage ran with (part of its record).</summary>
public sealed record RunEnvironment
{
    public required string ToolVersion { get; init; }
    public required string Os { get; init; }
    public required string CpuModel { get; init; }
    public required int CpuCores { get; init; }
    public required long MemoryBytes { get; init; }
    public required string Gpu { get; init; }
    public required string DotnetRuntime { get; init; }
    /// <summary>Informational versions of the loaded ML/parsing packages (TorchSharp, OnnxRuntime, Tokenizers, YamlDotNet).</summary>
    public required SortedDictionary<string, string> Packages { get; init; }
    public required GitState Git { get; init; }

    private static readonly string[] RecordedPackages =
        ["TorchSharp", "Microsoft.ML.OnnxRuntime", "Microsoft.ML.OnnxRuntimeGenAI", "Microsoft.ML.Tokenizers", "YamlDotNet"];

    /// <summary>
    /// Describes this machine now. The machine facts are probed once per process; package versions are read
    /// each time because stages load their assemblies lazily.
    /// </summary>
    /// <param name="git">The experiment repository's state, probed once per run (<see cref="GitState.Of"/>).</param>
    public static RunEnvironment Capture(GitState git) => new()
    {
        ToolVersion = ToolVersionText(),
        Os = RuntimeInformation.OSDescription + " (" + RuntimeInformation.OSArchitecture + ")",
        CpuModel = Machine.Value.CpuModel,
        CpuCores = System.Environment.ProcessorCount,
        MemoryBytes = Machine.Value.MemoryBytes,
        Gpu = Machine.Value.Gpu,
        DotnetRuntime = RuntimeInformation.FrameworkDescription,
        Packages = LoadedPackageVersions(),
        Git = git,
    };

    private static readonly Lazy<(string CpuModel, long MemoryBytes, string Gpu)> Machine =
        new(() => (ProbeCpuModel(), ProbeMemoryBytes(), ProbeGpu()));

    internal static string ToolVersionText()
    {
        var assembly = Assembly.GetEntryAssembly() ?? typeof(RunEnvironment).Assembly;
        return assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
               ?? assembly.GetName().Version?.ToString() ?? "unknown";
    }

    /// <summary>
    /// Versions of the recorded packages that the application ships, whether or not a stage has loaded them yet
    /// (a run whose early stages came from the cache must record the same versions as one that ran them all).
    /// </summary>
    private static SortedDictionary<string, string> LoadedPackageVersions()
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in RecordedPackages)
        {
            Assembly assembly;
            try { assembly = Assembly.Load(new AssemblyName(name)); }
            catch (IOException) { continue; } // not part of this application
            catch (BadImageFormatException) { continue; }
            result[name] = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                           ?? assembly.GetName().Version?.ToString() ?? "unknown";
        }
        return result;
    }

    private static string ProbeCpuModel()
    {
        try
        {
            if (File.Exists("/proc/cpuinfo"))
                foreach (var line in File.ReadLines("/proc/cpuinfo"))
                    if (line.StartsWith("model name", StringComparison.Ordinal) && line.IndexOf(':') is var colon and > 0)
                        return line[(colon + 1)..].Trim();
        }
        catch (IOException) { }
        return RuntimeInformation.ProcessArchitecture.ToString();
    }

    private static long ProbeMemoryBytes()
    {
        try
        {
            if (File.Exists("/proc/meminfo"))
                foreach (var line in File.ReadLines("/proc/meminfo"))
                    if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
                        return long.Parse(line["MemTotal:".Length..].Replace("kB", "").Trim()) * 1024;
        }
        catch (Exception e) when (e is IOException or FormatException) { }
        return GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
    }

    private static string ProbeGpu()
    {
        var output = ProcessRunner.TryRun("nvidia-smi", null, "--query-gpu=name,memory.total,driver_version", "--format=csv,noheader");
        if (output is null || output.ExitCode != 0 || string.IsNullOrWhiteSpace(output.StandardOutput)) return "none";
        return string.Join("; ", output.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }
}

/// <summary>The experiment repository's commit when the stage ran.</summary>
/// <param name="Commit">HEAD commit, or a sentence ("not a git repository", "git not available").</param>
/// <param name="Dirty">Uncommitted changes present (null when not a git repository).</param>
public sealed record GitState(string Commit, bool? Dirty)
{
    public static GitState Of(string? directory)
    {
        if (directory is null || !Directory.Exists(directory)) return new("not a git repository", null);
        var head = ProcessRunner.TryRun("git", directory, "rev-parse", "HEAD");
        if (head is null) return new("git not available", null);
        if (head.ExitCode != 0) return new("not a git repository", null);
        var status = ProcessRunner.TryRun("git", directory, "status", "--porcelain");
        return new(head.StandardOutput.Trim(), status is null ? null : !string.IsNullOrWhiteSpace(status.StandardOutput));
    }
}

internal sealed record ProcessOutput(int ExitCode, string StandardOutput);

internal static class ProcessRunner
{
    /// <summary>Runs a short command; null if it cannot be started (not installed).</summary>
    public static ProcessOutput? TryRun(string fileName, string? workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "",
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        try
        {
            using var process = Process.Start(start);
            if (process is null) return null;
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            _ = stderr.Result;
            return new ProcessOutput(process.ExitCode, stdout);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
