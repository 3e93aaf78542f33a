using MedTune.Checkpoints;
using MedTune.Models;
using static TorchSharp.torch;

namespace MedTune.Training;

/// <summary>
/// A PEFT adapter read one projection at a time (for merging without a model): validated against the base's
/// parameter layout up front, then <see cref="Delta"/> reads that projection's A and B and returns <c>scale·B·A</c> in float32.
/// </summary>
internal sealed class AdapterMatrices : IDisposable
{
    private readonly SafetensorsFile _file;
    private readonly Dictionary<string, (string A, string B)> _byModule;
    private readonly double _scale;

    private AdapterMatrices(SafetensorsFile file, Dictionary<string, (string A, string B)> byModule, double scale)
    {
        _file = file;
        _byModule = byModule;
        _scale = scale;
    }

    public int ModuleCount => _byModule.Count;

    public bool Adapts(string modulePath) => _byModule.ContainsKey(modulePath);

    public static AdapterMatrices Open(string directory, IReadOnlyList<ParameterShape> layout)
    {
        var config = LoraAdapterConfig.Read(Path.Combine(directory, LoraAdapterConfig.FileName));
        var weightsPath = Path.Combine(directory, LoraAdapter.WeightsFileName);
        if (!File.Exists(weightsPath))
            throw new LoraAdapterException($"{weightsPath}: not found (a PEFT adapter directory holds {LoraAdapterConfig.FileName} and {LoraAdapter.WeightsFileName}).");
        var file = SafetensorsFile.Open(weightsPath);
        try
        {
            var shapes = layout.ToDictionary(p => p.Name, p => p.Shape, StringComparer.Ordinal);
            var matrices = new SortedDictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
            foreach (var name in file.Tensors.Keys)
            {
                var parsed = PeftNames.Parse(name)
                    ?? throw new LoraAdapterException($"{weightsPath}: tensor '{name}' is not a LoRA weight (expected base_model.model.<module>.lora_A.weight / lora_B.weight).");
                if (!matrices.TryGetValue(parsed.ModulePath, out var pair)) matrices[parsed.ModulePath] = pair = new();
                pair[parsed.Matrix] = name;
            }
            if (matrices.Count == 0) throw new LoraAdapterException($"{weightsPath}: holds no LoRA tensors.");
            var byModule = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
            foreach (var (module, pair) in matrices)
            {
                if (!shapes.TryGetValue(module + ".weight", out var shape) || shape.Length != 2)
                    throw new LoraAdapterException($"{weightsPath}: adapts module '{module}', which the base model does not have — the adapter was made for another base model.");
                foreach (var matrix in new[] { "lora_A", "lora_B" })
                    if (!pair.ContainsKey(matrix)) throw new LoraAdapterException($"{weightsPath}: module '{module}' has no {matrix} tensor.");
                Expect(file, weightsPath, pair["lora_A"], [config.R, shape[1]]);
                Expect(file, weightsPath, pair["lora_B"], [shape[0], config.R]);
                byModule[module] = (pair["lora_A"], pair["lora_B"]);
            }
            return new AdapterMatrices(file, byModule, config.Scale);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary><c>scale · B·A</c> [out, in] in float32, as <see cref="LoraMerger"/> computes it.</summary>
    public Tensor Delta(string modulePath)
    {
        var (a, b) = _byModule[modulePath];
        using var aTensor = tensor(_file.ReadFloat32(a), _file.Tensors[a].Shape, ScalarType.Float32);
        using var bTensor = tensor(_file.ReadFloat32(b), _file.Tensors[b].Shape, ScalarType.Float32);
        return matmul(bTensor, aTensor).mul_(_scale);
    }

    private static void Expect(SafetensorsFile file, string path, string name, long[] expected)
    {
        var actual = file.Tensors[name].Shape;
        if (!actual.SequenceEqual(expected))
            throw new LoraAdapterException(
                $"{path}: tensor '{name}' has shape [{string.Join(", ", actual)}] but this base model needs [{string.Join(", ", expected)}] " +
                "(r from adapter_config.json × the projection's size) — the adapter was made for another base model or its config does not match its weights.");
    }

    public void Dispose() => _file.Dispose();
}
