namespace MedTune.Inference;

/// <summary>
/// A device was demanded (<c>evaluate.device: cuda</c>) whose ONNX Runtime execution provider cannot be loaded: the tool
/// was built with the CPU package, or CUDA/cuDNN are missing. The CLI reports it as bad input (exit 2) with the fix.
/// </summary>
public sealed class ExecutionProviderUnavailableException(string message, Exception? inner = null) : InvalidOperationException(message, inner);
