using Microsoft.Extensions.Logging;

namespace MedTune.Pipeline;

/// <summary>
/// A stage's own log, <c>.medtune-stage.log</c> beside its output (unhashed, like every <c>.medtune-*</c> file):
/// what it reported, when it started and ended, and its error. The pipeline writes through
/// <see cref="ILogger"/>; <see cref="PipelineRunnerOptions.StageLogs"/> decides the sink and format.
/// A failed stage's log is kept in the key's work directory, since no output directory is published.
/// </summary>
public static class StageLog
{
    public const string FileName = ".medtune-stage.log";

    /// <summary>A reporter that also writes every message (and progress start/end) to <paramref name="logger"/>.</summary>
    public static IStageReporter Tee(IStageReporter inner, ILogger logger) => new LoggingReporter(inner, logger);

    private sealed class LoggingReporter(IStageReporter inner, ILogger logger) : IStageReporter
    {
        public void Info(string message)
        {
            logger.LogInformation("{Message}", message);
            inner.Info(message);
        }

        public void Warning(string message)
        {
            logger.LogWarning("{Message}", message);
            inner.Warning(message);
        }

        public IStageProgress StartProgress(string description, double total, string unit)
        {
            logger.LogInformation("{Description}: 0/{Total} {Unit}", description, total, unit);
            return new LoggedProgress(inner.StartProgress(description, total, unit), logger, description, total, unit);
        }
    }

    /// <summary>Logs at 0%, every 10% and at the end, like the non-interactive console.</summary>
    private sealed class LoggedProgress(IStageProgress inner, ILogger logger, string description, double total, string unit) : IStageProgress
    {
        private double done;
        private int decile;

        public void Increment(double amount = 1)
        {
            inner.Increment(amount);
            done += amount;
            var now = total > 0 ? (int)Math.Min(10, Math.Floor(done * 10 / total)) : 0;
            if (now > decile && now < 10) logger.LogInformation("{Description}: {Done}/{Total} {Unit}", description, done, total, unit);
            decile = Math.Max(decile, now);
        }

        public void Describe(string text)
        {
            inner.Describe(text);
            description = text;
        }

        public void Dispose()
        {
            logger.LogInformation("{Description}: {Done}/{Total} {Unit}, done", description, done, total, unit);
            inner.Dispose();
        }
    }
}
