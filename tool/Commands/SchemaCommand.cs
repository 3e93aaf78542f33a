using System.ComponentModel;
using MedTune.Manifest;
using MedTune.Pipeline;
using MedTune.Tool.Console;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MedTune.Tool.Commands;

/// <summary><c>medtune schema</c>: the manifest's JSON Schema, for editors (e.g. yaml-language-server).</summary>
public sealed class SchemaCommand(IAnsiConsole console) : Command<SchemaCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("-o|--output <FILE>")]
        [Description("Write the schema to FILE instead of standard output.")]
        public string? Output { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var schema = ManifestSchema.Generate();
        if (settings.Output is null) console.WriteRaw(schema);
        else
        {
            AtomicFile.WriteAllText(settings.Output, schema);
            console.MarkupLineInterpolated($"wrote {settings.Output}");
        }
        return ExitCodes.Success;
    }
}
