using Spectre.Console;

namespace MedTune.Tool.Console;

public static class RawOutput
{
    /// <summary>Writes machine-readable text (JSON, a schema) as is: no markup, no wrapping at the console width.</summary>
    public static void WriteRaw(this IAnsiConsole console, string text)
    {
        console.Profile.Out.Writer.Write(text);
        console.Profile.Out.Writer.Flush();
    }
}
