using System.Text.Json.Nodes;
using MedTune.Manifest;
using MedTune.Pipeline.Planning;
using MedTune.Tool.Console;
using MedTune.Tool.Experiments;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MedTune.Tool.Commands;

/// <summary><c>medtune plan FILE</c>: each stage's estimated peak memory on its device and what it writes to disk, before anything is loaded.</summary>
public sealed class PlanCommand(IAnsiConsole console) : Command<PlanCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<MANIFEST>")]
        [System.ComponentModel.Description("Experiment manifest (YAML).")]
        public string Manifest { get; init; } = "";

        [CommandOption("--json")]
        [System.ComponentModel.Description("Print the estimates as JSON (bytes), nothing else.")]
        public bool Json { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var matrix = ManifestLoader.LoadMatrix(settings.Manifest, ManifestLoadOptions.Default with { CheckFiles = false });
        var plans = matrix.Variants.Select(v => (v.Manifest, Plan: ExperimentResources.Estimate(v.Manifest))).ToList();
        var shared = matrix.IsMatrix ? SharedStages(matrix) : null;
        if (settings.Json)
        {
            JsonNode json = matrix.IsMatrix
                ? new JsonObject
                {
                    ["variants"] = new JsonArray(plans.Select(p => (JsonNode)ToJson(p.Manifest, p.Plan)).ToArray()),
                    ["shared_stages"] = new JsonArray(shared!.Shared.Select(s => (JsonNode)new JsonObject
                    {
                        ["stage"] = s.Definition.Name,
                        ["variants"] = new JsonArray(s.Uses.Select(u => (JsonNode)u.Experiment).ToArray()),
                    }).ToArray()),
                    ["distinct_stages"] = shared.Stages.Count,
                }
                : ToJson(plans[0].Manifest, plans[0].Plan);
            console.WriteRaw(json.ToJsonString(new() { WriteIndented = true }) + "\n");
            return ExitCodes.Success;
        }
        if (shared is not null) RenderVariants(matrix, shared);
        foreach (var (manifest, plan) in plans) Render(manifest, plan);
        return ExitCodes.Success;
    }

    /// <summary>The variants' stage graphs merged as `medtune run` merges them: stages with the same settings run once.</summary>
    private static MedTune.Pipeline.ExecutionPlan SharedStages(ExperimentMatrix matrix) =>
        MedTune.Pipeline.ExecutionPlanner.Plan(
            matrix.Variants.Select(v => new MedTune.Pipeline.ExperimentRun(v.Name, ExperimentPlan.Build(v.Manifest), v.Manifest.Seed)).ToList(), cache: null);

    private void RenderVariants(ExperimentMatrix matrix, MedTune.Pipeline.ExecutionPlan plan)
    {
        console.MarkupLineInterpolated($"[bold]{matrix.Name}[/]: {matrix.Variants.Count} variants, {plan.Stages.Count} distinct stages (of {plan.Stages.Sum(s => s.Uses.Count)} in all)");
        var variants = new Table().AddColumns("variant", "values");
        foreach (var v in matrix.Variants)
            variants.AddRow(Markup.Escape(v.Name), Markup.Escape(string.Join(", ", v.Values.Select(p => $"{p.Key} = {p.Value}"))));
        console.Write(variants);
        var shared = new Table().Title("stages shared by several variants (run once)").AddColumns("stage", "variants");
        foreach (var s in plan.Shared)
            shared.AddRow(Markup.Escape(s.Definition.Name), Markup.Escape(string.Join(", ", s.Uses.Select(u => u.Experiment[(u.Experiment.IndexOf('@') + 1)..]))));
        console.Write(shared);
    }

    private void Render(ExperimentManifest manifest, ResourcePlan plan)
    {
        console.MarkupLineInterpolated($"[bold]{manifest.Name}[/]: estimated peak memory and disk per stage");
        var table = new Table().AddColumns("stage", "device", "peak memory", "budget", "fits", "disk");
        foreach (var s in plan.Stages)
            table.AddRow(s.Stage, s.Device.Device, ResourceEstimator.Gb(s.PeakBytes),
                s.Device.Bytes is { } b ? $"{ResourceEstimator.Gb(b)} ({s.Device.Source})" : s.Device.Source,
                s.Fits switch { true => "[green]yes[/]", false => "[red]no[/]", null => "[grey]?[/]" },
                ResourceEstimator.Gb(s.DiskBytes));
        console.Write(table);
        if (CpuDtypeWarning.ForThisMachine(manifest) is { } warning) console.MarkupLineInterpolated($"[yellow]warning:[/] {warning}");
        foreach (var s in plan.Stages)
        {
            console.MarkupLineInterpolated($"[bold]{s.Stage}[/] ({s.Device.Device})");
            foreach (var line in s.Memory)
                console.MarkupLineInterpolated($"  {line.Item,-22} {ResourceEstimator.Gb(line.Bytes),10}  [grey]{line.Detail}[/]");
            foreach (var line in s.Disk.Where(l => l.Bytes > 0))
                console.MarkupLineInterpolated($"  disk: {line.Item,-16} {ResourceEstimator.Gb(line.Bytes),10}  [grey]{line.Detail}[/]");
            if (s.Fits == false) console.MarkupLineInterpolated($"  [red]{MemoryCheck.Describe(s)}[/]");
        }
        var disk = plan.Stages.Sum(s => s.DiskBytes);
        console.MarkupLineInterpolated($"cache entries in all: {ResourceEstimator.Gb(disk)}");
        console.MarkupLine("[grey]assumptions:[/]");
        foreach (var a in plan.Assumptions) console.MarkupLineInterpolated($"[grey]  - {a}[/]");
    }

    public static JsonObject ToJson(ExperimentManifest manifest, ResourcePlan plan) => new()
    {
        ["experiment"] = manifest.Name,
        ["stages"] = new JsonArray(plan.Stages.Select(s => (JsonNode)new JsonObject
        {
            ["stage"] = s.Stage,
            ["device"] = s.Device.Device,
            ["budget_bytes"] = s.Device.Bytes,
            ["budget_source"] = s.Device.Source,
            ["peak_bytes"] = s.PeakBytes,
            ["fits"] = s.Fits,
            ["memory"] = Lines(s.Memory),
            ["disk_bytes"] = s.DiskBytes,
            ["disk"] = Lines(s.Disk),
            ["figures"] = new JsonObject(s.Figures.Select(f => KeyValuePair.Create(f.Key, (JsonNode?)f.Value))),
            ["remedies"] = new JsonArray(s.Remedies.Select(r => (JsonNode)new JsonObject { ["setting"] = r.Setting, ["peak_bytes_after"] = r.PeakBytesAfter }).ToArray()),
        }).ToArray()),
        ["disk_bytes"] = plan.Stages.Sum(s => s.DiskBytes),
        ["assumptions"] = new JsonArray(plan.Assumptions.Select(a => (JsonNode)a).ToArray()),
    };

    private static JsonArray Lines(IEnumerable<EstimateLine> lines) =>
        new(lines.Select(l => (JsonNode)new JsonObject { ["item"] = l.Item, ["bytes"] = l.Bytes, ["detail"] = l.Detail }).ToArray());
}
