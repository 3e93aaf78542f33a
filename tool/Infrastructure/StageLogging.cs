using MedTune.Pipeline;
using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Formatting.Compact;
using ILogger = Microsoft.Extensions.Logging.ILogger;

namespace MedTune.Tool.Infrastructure;

/// <summary>
/// Logging for stages, on Microsoft.Extensions.Logging: each stage's own file (<see cref="StageLog.FileName"/>
/// beside its output; Serilog's file sink behind the MEL provider), and with <c>--log-format json</c> one JSON
/// object per line on standard output (MEL's JSON console formatter) instead of the interactive display.
/// </summary>
public static class StageLogging
{
    public const string Text = "text";
    public const string Json = "json";

    public static void CheckFormat(string format)
    {
        if (format is not (Text or Json)) throw new ArgumentException($"--log-format '{format}': use text or json.");
    }

    /// <summary>Opens a stage's log file in the given format.</summary>
    public static Func<string, ILoggerFactory> Files(string format) => path => OpenFile(format, path);

    private static ILoggerFactory OpenFile(string format, string path)
    {
        var configuration = new LoggerConfiguration().MinimumLevel.Information();
        var logger = format == Json
            ? configuration.WriteTo.File(new CompactJsonFormatter(), path).CreateLogger()
            : configuration.WriteTo.File(path, outputTemplate: "{Timestamp:yyyy-MM-ddTHH:mm:ss.fffzzz} {Level:u3} {Message:lj}{NewLine}{Exception}").CreateLogger();
        return LoggerFactory.Create(builder => builder.AddSerilog(logger, dispose: true));
    }

    /// <summary>JSON lines on standard output; dispose the factory at the end to flush it.</summary>
    public static ILoggerFactory JsonConsole() => LoggerFactory.Create(builder => builder
        .AddJsonConsole(options => { options.UseUtcTimestamp = true; options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ"; })
        .SetMinimumLevel(LogLevel.Information));

    /// <summary>A stage reporter that writes to a logger (progress: start and end only).</summary>
    public sealed class LoggerReporter(ILogger logger) : IStageReporter
    {
        public void Info(string message) => logger.LogInformation("{Message}", message);
        public void Warning(string message) => logger.LogWarning("{Message}", message);
        public IStageProgress StartProgress(string description, double total, string unit) => new NoProgress();

        private sealed class NoProgress : IStageProgress
        {
            public void Increment(double amount = 1) { }
            public void Describe(string description) { }
            public void Dispose() { }
        }
    }
}
