using MedTune.Pipeline;
using Spectre.Console;

namespace MedTune.Tool.Console;

/// <summary>
/// Renders stage progress with Spectre.Console: one progress bar per long step, with ETA and throughput.
/// Must be used inside <see cref="RunWithProgressAsync"/>, which owns the live display.
/// </summary>
public sealed class ConsoleStageReporter : IStageReporter
{
    private readonly IAnsiConsole _console;
    private ProgressContext? _progress;

    public ConsoleStageReporter(IAnsiConsole console) => _console = console;

    public async Task<T> RunWithProgressAsync<T>(Func<Task<T>> work)
    {
        if (!_console.Profile.Capabilities.Interactive)
            return await work(); // CI logs: plain lines, no redraws
        return await _console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                     new RemainingTimeColumn(), new RateColumn(), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                _progress = ctx;
                try { return await work(); }
                finally { _progress = null; }
            });
    }

    public void Info(string message) => _console.MarkupLineInterpolated($"[grey]{message}[/]");

    public void Warning(string message) => _console.MarkupLineInterpolated($"[yellow]warning:[/] {message}");

    public IStageProgress StartProgress(string description, double total, string unit)
    {
        if (_progress is null) return new LineProgress(_console, description, total, unit);
        var task = _progress.AddTask(Markup.Escape(description), maxValue: Math.Max(total, 1));
        RateColumn.Units.AddOrUpdate(task, unit);
        return new BarProgress(task);
    }

    private sealed class BarProgress(ProgressTask task) : IStageProgress
    {
        public void Increment(double amount = 1) => task.Increment(amount);
        public void Describe(string description) => task.Description = Markup.Escape(description);
        public void Dispose() => task.Value = task.MaxValue;
    }

    /// <summary>Non-interactive output (CI logs): a line at 0%, every 10% and at the end.</summary>
    private sealed class LineProgress(IAnsiConsole console, string description, double total, string unit) : IStageProgress
    {
        private readonly DateTime _start = DateTime.UtcNow;
        private double _done;
        private int _lastDecile = -1;

        public void Increment(double amount = 1)
        {
            _done += amount;
            var decile = total <= 0 ? 10 : (int)Math.Min(10, Math.Floor(_done / total * 10));
            if (decile == _lastDecile) return;
            _lastDecile = decile;
            var seconds = (DateTime.UtcNow - _start).TotalSeconds;
            var rate = seconds > 0 ? _done / seconds : 0;
            var eta = rate > 0 ? TimeSpan.FromSeconds((total - _done) / rate) : TimeSpan.Zero;
            console.WriteLine($"  {description}: {_done:0}/{total:0} {unit} ({rate:0.0} {unit}/s, ETA {eta:mm\\:ss})");
        }

        public void Describe(string text) => description = text;
        public void Dispose() { }
    }
}

/// <summary>Throughput in the unit the stage counts (steps/s, questions/s).</summary>
internal sealed class RateColumn : ProgressColumn
{
    public static readonly System.Runtime.CompilerServices.ConditionalWeakTable<ProgressTask, string> Units = new();

    public override Spectre.Console.Rendering.IRenderable Render(Spectre.Console.Rendering.RenderOptions options, ProgressTask task, TimeSpan deltaTime)
    {
        var unit = Units.TryGetValue(task, out var u) ? u : "";
        var speed = task.Speed;
        return new Markup(speed is null ? "" : $"[grey]{speed.Value:0.0} {Markup.Escape(unit)}/s[/]");
    }
}
