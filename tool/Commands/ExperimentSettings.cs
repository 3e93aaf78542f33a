using System.ComponentModel;
using MedTune.Tool.Cli;
using Spectre.Console.Cli;

namespace MedTune.Tool.Commands;

/// <summary>Options shared by the commands that take one experiment manifest.</summary>
public class ExperimentSettings : CommandSettings, IJsonOutputSettings
{
    [CommandArgument(0, "<MANIFEST>")]
    [Description("Experiment manifest (YAML), e.g. experiments/quickstart.yaml.")]
    public string Manifest { get; init; } = "";

    [CommandOption("--cache <DIR>")]
    [Description("Stage cache directory (default: $MEDTUNE_CACHE, else artifacts/cache in the manifest's git work tree).")]
    public string? Cache { get; init; }

    [CommandOption("--variant <LABEL>")]
    [Description("Only this variant of a matrix manifest: its label (r=8,shots=1) or full name (NAME@r=8,shots=1). Default: every variant.")]
    public string? Variant { get; init; }

    [CommandOption("--json")]
    [Description("Print the result as JSON on standard output (for CI), nothing else.")]
    public bool Json { get; init; }

    [CommandOption("-q|--quiet")]
    [Description("Print only errors and the final summary.")]
    public bool Quiet { get; init; }
}
