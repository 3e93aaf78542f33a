using TorchSharp;
using MedTune.Manifest;
using MedTune.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MedTune.Training;

/// <summary>Attaches LoRA branches to a model's projections and freezes everything else.</summary>
public static class LoraInjector
{
    /// <summary>
    /// Freezes the base model, attaches a freshly initialised <see cref="LoraLayer"/> to every targeted projection
    /// (init drawn from a generator seeded with <paramref name="seed"/>, in module order) and returns the injection.
    /// </summary>
    public static LoraInjection Apply(CausalLanguageModel model, LoraSection lora, int seed)
    {
        var injection = Attach(model, LoraTargets.Resolve(model, lora.TargetModules), lora, seed);
        using var init = new Generator((ulong)seed);
        foreach (var (_, layer) in injection.Layers) layer.ResetParameters(init);
        return injection;
    }

    /// <summary>Attaches LoRA layers without re-initialising them (weights are loaded afterwards).</summary>
    internal static LoraInjection Attach(CausalLanguageModel model, IReadOnlyList<(string Path, AdaptableLinear Linear)> targets, LoraSection lora, int seed)
    {
        if (targets.Any(t => t.Linear.Adapter is not null))
            throw new InvalidOperationException("The model already has adapters attached; merge or remove them first.");
        foreach (var parameter in model.parameters()) parameter.requires_grad = false;

        // A separate stream for dropout masks, derived from the seed so it never coincides with the init stream.
        var dropoutGenerator = new Generator(unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + 1));
        var layers = new List<(string Path, LoraLayer Layer)>();
        foreach (var (path, linear) in targets)
        {
            var layer = new LoraLayer(linear.InFeatures, linear.OutFeatures, lora.R, lora.Alpha, lora.Dropout, lora.UseRslora, dropoutGenerator);
            layer.to(linear.Device);
            layer.train(model.training); // a new module starts in training mode; follow the model's mode

            linear.Adapter = layer;
            layers.Add((path, layer));
        }
        return new LoraInjection(model, layers, dropoutGenerator, lora);
    }
}

/// <summary>The LoRA layers attached to a model, by the path of the projection they adapt.</summary>
public sealed class LoraInjection : IDisposable
{
    internal LoraInjection(CausalLanguageModel model, IReadOnlyList<(string Path, LoraLayer Layer)> layers, Generator dropoutGenerator, LoraSection settings)
    {
        Model = model;
        Layers = layers;
        DropoutGenerator = dropoutGenerator;
        Settings = settings;
    }

    public CausalLanguageModel Model { get; }
    public IReadOnlyList<(string Path, LoraLayer Layer)> Layers { get; }
    /// <summary>The one source of dropout masks; its state is part of a training checkpoint.</summary>
    public Generator DropoutGenerator { get; }
    public LoraSection Settings { get; }

    /// <summary>The trainable tensors with their PEFT names (A then B per projection, in module order).</summary>
    public IEnumerable<(string PeftName, Parameter Parameter)> NamedParameters()
    {
        foreach (var (path, layer) in Layers)
        {
            yield return (PeftNames.LoraA(path), layer.lora_A.weight!);
            yield return (PeftNames.LoraB(path), layer.lora_B.weight!);
        }
    }

    public IEnumerable<Parameter> Parameters() => NamedParameters().Select(p => p.Parameter);

    /// <summary>Detaches every LoRA layer, leaving the base model as it was.</summary>
    public void Remove()
    {
        foreach (var (_, linear) in Model.Linears().ToList())
            if (linear.Adapter is LoraLayer) linear.Adapter = null;
    }

    public void Dispose() => DropoutGenerator.Dispose();
}

/// <summary>PEFT's tensor names for a projection path.</summary>
public static class PeftNames
{
    public const string Prefix = "base_model.model.";
    public static string LoraA(string modulePath) => $"{Prefix}{modulePath}.lora_A.weight";
    public static string LoraB(string modulePath) => $"{Prefix}{modulePath}.lora_B.weight";

    /// <summary>
    /// Splits a PEFT tensor name into (module path, "lora_A"|"lora_B"); accepts the adapter-name form
    /// <c>….lora_A.default.weight</c> written by some PEFT versions. Null if the name is not a LoRA weight.
    /// </summary>
    public static (string ModulePath, string Matrix)? Parse(string name)
    {
        if (!name.StartsWith(Prefix, StringComparison.Ordinal) || !name.EndsWith(".weight", StringComparison.Ordinal)) return null;
        var body = name[Prefix.Length..^".weight".Length];
        if (body.EndsWith(".default", StringComparison.Ordinal)) body = body[..^".default".Length];
        foreach (var matrix in new[] { "lora_A", "lora_B" })
            if (body.EndsWith("." + matrix, StringComparison.Ordinal))
                return (body[..^(matrix.Length + 1)], matrix);
        return null;
    }
}
