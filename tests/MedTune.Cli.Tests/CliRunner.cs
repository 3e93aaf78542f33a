using MedTune.Tool;
using Spectre.Console;

namespace MedTune.Cli.Tests;

/// <summary>Runs the medtune command line in-process and captures what it prints.</summary>
public static class CliRunner
{
    public sealed record Result(int ExitCode, string Output);

    public static async Task<Result> RunAsync(params string[] args)
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Interactive = InteractionSupport.No,
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
        });
        console.Profile.Width = 200;
        var exitCode = await MedTuneApp.RunAsync(args, console);
        return new Result(exitCode, writer.ToString());
    }
}
