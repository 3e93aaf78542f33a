using MedTune.Checkpoints;
using MedTune.Models.Quantization;
using TorchSharp;
using static TorchSharp.torch;

namespace MedTune.Models;

/// <summary>Loads a Hugging Face model directory (config.json + safetensors) into a <see cref="CausalLanguageModel"/>.</summary>
public static class ModelLoader
{
    /// <summary>
    /// Reads <c>config.json</c>, builds the architecture it names and copies the safetensors weights (single file or
    /// shards) into the parameters, converting to <paramref name="dtype"/> (default float32) one tensor at a time.
    /// The model is loaded on the CPU, then moved to <paramref name="device"/>, and returned in eval mode.
    /// With <paramref name="quantization"/>, every projection except the output head is stored in 4 bit
    /// (<see cref="QuantizedLinear"/>), quantized straight from the file; everything else is in <paramref name="dtype"/>.
    /// </summary>
    public static CausalLanguageModel Load(string modelDirectory, Device? device = null, ScalarType? dtype = null, QuantizationOptions? quantization = null)
    {
        using var weights = CheckpointWeights.Open(modelDirectory);
        var config = ModelConfig.Load(Path.Combine(modelDirectory, "config.json"));
        var model = CausalLanguageModel.Create(config, dtype ?? ScalarType.Float32);
        try
        {
            CheckpointParameters.CopyInto(model, weights, modelDirectory, quantization);
            if (device is not null && device.type != DeviceType.CPU)
                model.to(device);
            model.eval();
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
