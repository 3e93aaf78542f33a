using Spectre.Console;
using Spectre.Console.Rendering;

namespace MedTune.Tool.Console;

/// <summary>
/// The console every command writes to. On a terminal: colours, box tables, the terminal's width (or <c>COLUMNS</c>).
/// Anywhere else (a pipe, a file, a CI log): no escape codes, no wrapping — a line is as long as its text, so paths,
/// <c>file:line:col</c> errors and table rows stay whole and greppable — and tables drawn as Markdown rows
/// (<see cref="PlainTables"/>). <c>COLUMNS</c>, when set, is the width in both cases.
/// </summary>
public static class ConsoleSetup
{
    /// <summary>Width used when output is not a terminal and COLUMNS is unset: wide enough that nothing wraps.</summary>
    public const int UnwrappedWidth = 10_000;

    public static IAnsiConsole ForProcess() =>
        Create(System.Console.Out, isTerminal: !System.Console.IsOutputRedirected, Environment.GetEnvironmentVariable("COLUMNS"));

    public static IAnsiConsole Create(TextWriter output, bool isTerminal, string? columns)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(isTerminal ? output : new PlainLineWriter(output)),
            Ansi = isTerminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = isTerminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = isTerminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (int.TryParse(columns, out var width) && width > 0) console.Profile.Width = width;
        else if (!isTerminal) console.Profile.Width = UnwrappedWidth;
        if (!isTerminal) console.Pipeline.Attach(new PlainTables());
        return console;
    }

    /// <summary>
    /// Non-terminal text as a log wants it: trailing padding removed from each line, and the all-blank line a Markdown
    /// table draws for its top border dropped (genuinely empty lines are kept).
    /// </summary>
    private sealed class PlainLineWriter(TextWriter inner) : TextWriter
    {
        private readonly System.Text.StringBuilder _line = new();

        public override System.Text.Encoding Encoding => inner.Encoding;

        public override void Write(char value)
        {
            if (value != '\n') { _line.Append(value); return; }
            var text = _line.ToString().TrimEnd(' ', '\r');
            var blankPadding = _line.Length > 0 && text.Length == 0;
            _line.Clear();
            if (!blankPadding) inner.Write(text + "\n");
        }

        public override void Write(string? value)
        {
            if (value is null) return;
            foreach (var c in value) Write(c);
        }

        public override void Flush()
        {
            inner.Write(_line.ToString());
            _line.Clear();
            inner.Flush();
        }
    }

    /// <summary>
    /// Draws every table as Markdown rows (<c>| a | b |</c>): no box-drawing characters in logs, valid Markdown when
    /// pasted. A table's title goes on its own line above it, whole (Spectre wraps a title to the table's width).
    /// </summary>
    private sealed class PlainTables : IRenderHook
    {
        public IEnumerable<IRenderable> Process(RenderOptions options, IEnumerable<IRenderable> renderables)
        {
            foreach (var renderable in renderables)
            {
                if (renderable is Table table)
                {
                    table.Border = TableBorder.Markdown;
                    if (table.Title is { } title)
                    {
                        table.Title = null;
                        yield return new Markup(title.Text + "\n", title.Style);
                    }
                }
                yield return renderable;
            }
        }
    }
}
