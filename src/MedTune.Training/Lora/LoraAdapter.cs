using System.Runtime.InteropServices;
using MedTune.Checkpoints;
using MedTune.Manifest;
using MedTune.Models;
using static TorchSharp.torch;

namespace MedTune.Training;

/// <summary>
/// A LoRA adapter in PEFT's on-disk format: <c>adapter_config.json</c> + <c>adapter_model.safetensors</c> with tensors
/// named <c>base_model.model.&lt;module path&gt;.lora_A.weight</c> / <c>.lora_B.weight</c>.
/// </summary>
public static class LoraAdapter
{
    public const string WeightsFileName = "adapter_model.safetensors";

    /// <summary>Writes the injection's weights (float32) and config into <paramref name="directory"/>, each file atomically.</summary>
    public static void Save(LoraInjection injection, string directory, string? baseModelNameOrPath)
    {
        Directory.CreateDirectory(directory);
        SafetensorsWriter.Write(Path.Combine(directory, WeightsFileName), TensorData(injection),
            new Dictionary<string, string> { ["format"] = "pt" });
        var config = new LoraAdapterConfig
        {
            R = injection.Settings.R,
            LoraAlpha = injection.Settings.Alpha,
            LoraDropout = injection.Settings.Dropout,
            TargetModules = injection.Layers.Select(l => LoraTargets.LastComponent(l.Path)).Distinct().Order(StringComparer.Ordinal).ToList(),
            BaseModelNameOrPath = baseModelNameOrPath,
            UseRslora = injection.Settings.UseRslora,
        };
        AtomicFile.WriteAllText(Path.Combine(directory, LoraAdapterConfig.FileName), config.ToJson());
    }

    /// <summary>The LoRA weights as float32 little-endian tensors with PEFT names.</summary>
    public static IEnumerable<NamedTensorData> TensorData(LoraInjection injection) =>
        injection.NamedParameters().Select(p => ToTensorData(p.PeftName, p.Parameter));

    public static NamedTensorData ToTensorData(string name, Tensor tensor)
    {
        using var cpu = tensor.detach().to_type(ScalarType.Float32).cpu().contiguous();
        var values = cpu.data<float>().ToArray();
        return new NamedTensorData(name, TensorDType.F32, cpu.shape, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
    }

    /// <summary>
    /// Attaches the adapter in <paramref name="directory"/> to <paramref name="model"/>. Refuses (with the reason) an adapter
    /// made for another base: a module the model does not have, a shape that does not match, a non-LoRA or unsupported config.
    /// </summary>
    public static LoraInjection Load(string directory, CausalLanguageModel model, int seed = 0)
    {
        var config = LoraAdapterConfig.Read(Path.Combine(directory, LoraAdapterConfig.FileName));
        var weightsPath = Path.Combine(directory, WeightsFileName);
        if (!File.Exists(weightsPath))
        {
            var pickle = Path.Combine(directory, "adapter_model.bin");
            throw new LoraAdapterException(File.Exists(pickle)
                ? $"{pickle}: pickle adapters are refused (loading one can execute code). Convert it where Python is trusted: " +
                  "`PeftModel.from_pretrained(base, dir).save_pretrained(out, safe_serialization=True)`."
                : $"{weightsPath}: not found.");
        }

        using var file = SafetensorsFile.Open(weightsPath);
        var byModule = new SortedDictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach (var name in file.Tensors.Keys)
        {
            var parsed = PeftNames.Parse(name)
                ?? throw new LoraAdapterException($"{weightsPath}: tensor '{name}' is not a LoRA weight (expected base_model.model.<module>.lora_A.weight / lora_B.weight).");
            if (!byModule.TryGetValue(parsed.ModulePath, out var matrices)) byModule[parsed.ModulePath] = matrices = new();
            matrices[parsed.Matrix] = name;
        }
        if (byModule.Count == 0) throw new LoraAdapterException($"{weightsPath}: holds no LoRA tensors.");

        var linears = model.Linears().ToDictionary(l => l.Path, l => l.Linear, StringComparer.Ordinal);
        var targets = new List<(string Path, AdaptableLinear Linear)>();
        foreach (var (modulePath, matrices) in byModule)
        {
            if (!linears.TryGetValue(modulePath, out var linear))
                throw new LoraAdapterException(
                    $"{weightsPath}: adapts module '{modulePath}', which the base model ({model.Config.Family}) does not have — the adapter was made for another base model. " +
                    $"Module names of this model look like: {string.Join(", ", linears.Keys.Take(4))}, …");
            foreach (var matrix in new[] { "lora_A", "lora_B" })
                if (!matrices.ContainsKey(matrix))
                    throw new LoraAdapterException($"{weightsPath}: module '{modulePath}' has no {matrix} tensor.");
            ExpectShape(file, weightsPath, matrices["lora_A"], [config.R, linear.InFeatures]);
            ExpectShape(file, weightsPath, matrices["lora_B"], [linear.OutFeatures, config.R]);
            targets.Add((modulePath, linear));
        }

        var settings = new LoraSection
        {
            R = config.R,
            Alpha = config.LoraAlpha,
            Dropout = config.LoraDropout,
            UseRslora = config.UseRslora,
            TargetModules = targets.Select(t => LoraTargets.LastComponent(t.Path)).Distinct().Order(StringComparer.Ordinal).ToList(),
        };
        // Keep the model's module order (not the file's) so the injection matches a freshly trained one.
        var ordered = linears.Where(l => byModule.ContainsKey(l.Key)).Select(l => (l.Key, l.Value)).ToList();
        var injection = LoraInjector.Attach(model, ordered, settings, seed);
        using var _ = no_grad();
        foreach (var (path, layer) in injection.Layers)
        {
            CopyInto(layer.lora_A.weight!, file.ReadFloat32(byModule[path]["lora_A"]));
            CopyInto(layer.lora_B.weight!, file.ReadFloat32(byModule[path]["lora_B"]));
        }
        return injection;
    }

    private static void ExpectShape(SafetensorsFile file, string path, string name, long[] expected)
    {
        var actual = file.Tensors[name].Shape;
        if (!actual.SequenceEqual(expected))
            throw new LoraAdapterException(
                $"{path}: tensor '{name}' has shape [{string.Join(", ", actual)}] but this base model needs [{string.Join(", ", expected)}] " +
                "(r from adapter_config.json × the projection's size) — the adapter was made for another base model or its config does not match its weights.");
    }

    internal static void CopyInto(Tensor destination, float[] values)
    {
        using var source = tensor(values, destination.shape, dtype: ScalarType.Float32);
        destination.copy_(source);
    }
}
