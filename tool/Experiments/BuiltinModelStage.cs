using System.Text.Json.Nodes;
using MedTune.Manifest;
using MedTune.Models;
using MedTune.Pipeline;

namespace MedTune.Tool.Experiments;

/// <summary>
/// Materialises a builtin base model (<c>builtin:tiny-llama</c>, <c>builtin:tiny-neox</c>) as a Hugging Face
/// checkpoint in the cache, so every downstream stage reads a model directory whatever the manifest named.
/// </summary>
public sealed class BuiltinModelStage(ExperimentManifest manifest) : IStage
{
    public string Kind => "base-model";
    public int ImplementationVersion => 1;

    public static JsonNode ConfigFor(ExperimentManifest manifest) => new JsonObject
    {
        ["base"] = manifest.Model.Base,
        ["seed"] = manifest.Seed,
    };

    public Task RunAsync(StageContext context, CancellationToken cancellationToken)
    {
        var name = manifest.Model.Base["builtin:".Length..];
        context.Reporter.Info($"creating builtin model {name} (seed {manifest.Seed})");
        BuiltinModels.Create(name, context.OutputDirectory, manifest.Seed);
        context.RecordFacts["builtin"] = name;
        return Task.CompletedTask;
    }
}
