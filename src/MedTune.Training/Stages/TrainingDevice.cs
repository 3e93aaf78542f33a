using static TorchSharp.torch;

namespace MedTune.Training;

/// <summary>Turns the manifest's <c>model.device</c> and <c>model.dtype</c> into TorchSharp values.</summary>
public static class TrainingDevice
{
    public static Device Resolve(string device) => device switch
    {
        "auto" => cuda.is_available() ? CUDA : CPU,
        "cpu" => CPU,
        "cuda" => cuda.is_available() ? CUDA : throw new InvalidOperationException(
            "model.device is 'cuda' but no CUDA device is usable (TorchSharp CPU backend or no GPU); use 'auto' or 'cpu'."),
        _ => throw new ArgumentException($"model.device '{device}' is unknown; use auto, cpu or cuda."),
    };

    public static ScalarType DType(string dtype) => dtype switch
    {
        "float32" => ScalarType.Float32,
        "bfloat16" => ScalarType.BFloat16,
        "float16" => ScalarType.Float16,
        _ => throw new ArgumentException($"model.dtype '{dtype}' is unknown; use float32, bfloat16 or float16."),
    };
}
