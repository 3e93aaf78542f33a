using System.Diagnostics;
using System.Text.Json.Nodes;

namespace MedTune.Training;

/// <summary>One optimizer step as logged in <c>train_log.jsonl</c>.</summary>
public sealed record TrainingStepRecord(int Step, double Epoch, double Loss, double LearningRate, double GradNorm, int Tokens, double TokensPerSecond, double RssMegabytes)
{
    public string ToJsonLine() => new JsonObject
    {
        ["step"] = Step,
        ["epoch"] = Math.Round(Epoch, 6),
        ["loss"] = Loss,
        ["lr"] = LearningRate,
        ["grad_norm"] = GradNorm,
        ["tokens"] = Tokens,
        ["tokens_per_s"] = Math.Round(TokensPerSecond, 1),
        ["rss_mb"] = Math.Round(RssMegabytes, 1),
    }.ToJsonString();
}

/// <summary>Appends step records to a JSONL file, flushed per line so a kill loses at most the line being written.</summary>
internal sealed class TrainLogWriter(string path) : IDisposable
{
    private readonly StreamWriter _writer = new(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };

    public void Write(TrainingStepRecord record) => _writer.WriteLine(record.ToJsonLine());

    public void Dispose() => _writer.Dispose();
}

internal static class ProcessMemory
{
    public static double RssMegabytes()
    {
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64 / (1024.0 * 1024.0);
    }

    public static double PeakRssMegabytes()
    {
        using var process = Process.GetCurrentProcess();
        return process.PeakWorkingSet64 / (1024.0 * 1024.0);
    }
}
