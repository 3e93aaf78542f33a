using MedTune.Tool;
using MedTune.Tool.Console;

namespace MedTune.Cli.Tests;

/// <summary>Runs the medtune command line in-process and captures what it prints.</summary>
public static class CliRunner
{
    public sealed record Result(int ExitCode, string Output);

    public static async Task<Result> RunAsync(params string[] args)
    {
        var writer = new StringWriter();
        // As when piped or in a CI log: no colours, no wrapping, tables as Markdown rows.
        var console = ConsoleSetup.Create(writer, isTerminal: false, columns: null);
        var exitCode = await MedTuneApp.RunAsync(args, console);
        return new Result(exitCode, writer.ToString());
    }
}
