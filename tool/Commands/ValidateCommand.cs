using System.ComponentModel;
using MedTune.Manifest;
using MedTune.Tool.Experiments;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MedTune.Tool.Commands;

/// <summary>
/// <c>medtune validate FILE...</c>: loads each manifest with every check the run would make, then reads the datasets
/// and the model's config and tensor names (<see cref="InputChecks"/>) so that bad data fails here, not after training.
/// </summary>
public sealed class ValidateCommand(IAnsiConsole console) : Command<ValidateCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<MANIFEST>")]
        [Description("Experiment manifest(s) (YAML).")]
        public string[] Manifests { get; init; } = [];

        [CommandOption("--no-check-files")]
        [Description("Check keys, types and ranges only; do not require (or read) the model, datasets and few-shot file (e.g. paper manifests on a laptop).")]
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
                var problems = settings.NoCheckFiles ? [] : matrix.Variants.SelectMany(variant => InputChecks.Find(variant.Manifest)).Distinct().ToList();
                if (problems.Count > 0)
                {
                    failed++;
                    console.MarkupLineInterpolated($"[red]fail[/] {path}: {problems.Count} problem(s) with the data or model it names:");
                    foreach (var problem in problems) console.WriteLine("  " + problem);
                    continue;
                }
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
