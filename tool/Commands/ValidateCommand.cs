using System.ComponentModel;
using MedTune.Manifest;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MedTune.Tool.Commands;

/// <summary><c>medtune validate FILE...</c>: loads each manifest with every check the run would make.</summary>
public sealed class ValidateCommand(IAnsiConsole console) : Command<ValidateCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<MANIFEST>")]
        [Description("Experiment manifest(s) (YAML).")]
        public string[] Manifests { get; init; } = [];

        [CommandOption("--no-check-files")]
        [Description("Check keys, types and ranges only; do not require the model, datasets and few-shot file to exist (e.g. paper manifests on a laptop).")]
        public bool NoCheckFiles { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var failed = 0;
        foreach (var path in settings.Manifests)
        {
            try
            {
                var matrix = ManifestLoader.LoadMatrix(path, ManifestLoadOptions.Default with { CheckFiles = !settings.NoCheckFiles });
                console.MarkupLineInterpolated($"[green]ok[/]   {path} ({matrix.Name}{(matrix.IsMatrix ? $", {matrix.Variants.Count} variants" : "")})");
                foreach (var variant in matrix.Variants.Where(_ => matrix.IsMatrix)) console.MarkupLineInterpolated($"       {variant.Name}");
            }
            catch (ManifestException e)
            {
                failed++;
                console.MarkupLineInterpolated($"[red]fail[/] {path}");
                console.WriteLine(e.Message);
            }
        }
        return failed == 0 ? ExitCodes.Success : ExitCodes.InvalidInput;
    }
}
