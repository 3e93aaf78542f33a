namespace MedTune.Checkpoints;

/// <summary>
/// PyTorch's pickle formats (<c>pytorch_model.bin</c>, <c>*.pt</c>, …) are never opened: unpickling can run
/// arbitrary code, and a checkpoint downloaded for an experiment is not trusted code.
/// </summary>
public static class PickleCheckpoints
{
    public static readonly IReadOnlyList<string> Extensions = [".bin", ".pt", ".pth", ".ckpt", ".pkl"];

    /// <summary>The one-line conversion users can run where Python and the checkpoint are trusted.</summary>
    public const string ConversionCommand =
        "python -c \"from transformers import AutoModelForCausalLM as M; M.from_pretrained(p).save_pretrained(p, safe_serialization=True)\"";

    public static void RefuseIfPickle(string path)
    {
        if (Extensions.Contains(System.IO.Path.GetExtension(path), StringComparer.OrdinalIgnoreCase))
            throw Refusal(path);
    }

    public static CheckpointException Refusal(string path) => new(
        $"{path}: pickle checkpoints are refused: unpickling can execute arbitrary code hidden in the file. " +
        $"Convert the model to safetensors once, where Python and the checkpoint are trusted (set p to the model directory): {ConversionCommand}");

    /// <summary>The first pickle weight file in <paramref name="directory"/>, if any.</summary>
    public static string? Find(string directory) =>
        Directory.Exists(directory)
            ? Directory.EnumerateFiles(directory)
                .Where(f => Extensions.Contains(System.IO.Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
                .Order(StringComparer.Ordinal)
                .FirstOrDefault()
            : null;
}
