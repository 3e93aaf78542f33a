using MedTune.Checkpoints.Tokenization;
using MedTune.Inference;

namespace MedTune.Evaluation;

/// <summary>Opens an exported model directory (model.onnx + tokenizer files) as a text generator on ONNX Runtime.</summary>
public static class OnnxTextGenerators
{
    /// <param name="device"><c>auto</c>, <c>cpu</c> or <c>cuda</c> (<c>evaluate.device</c>).</param>
    public static ITextGenerator Open(string modelDirectory, string device)
    {
        var tokenizer = TextTokenizer.Load(modelDirectory);
        var model = new OnnxDecoderModel(modelDirectory, device);
        try
        {
            return new DecoderTextGenerator(model, tokenizer);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
