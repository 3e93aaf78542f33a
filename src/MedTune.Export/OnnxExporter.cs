using MedTune.Checkpoints;
using MedTune.Checkpoints.Tokenization;

namespace MedTune.Export;

/// <summary>What an export produced, for the stage record.</summary>
public sealed record ExportResult(
    string ModelPath,
    long IrVersion,
    int Opset,
    ExportPrecision Precision,
    long ModelBytes,
    long ExternalDataBytes,
    IReadOnlyList<string> OperatorTypes,
    IReadOnlyList<string> FusedOperators,
    IReadOnlyList<string> CopiedFiles,
    string? TokenizerJsonNotWritten = null);

/// <summary>
/// Builds an ONNX decoder (with key/value cache inputs and outputs) straight from a Hugging Face checkpoint
/// directory — config.json plus safetensors — and writes it with genai_config.json and the tokenizer files.
/// </summary>
public static class OnnxExporter
{
    /// <summary>Files copied beside the model when present: tokenizer, generation defaults and the HF config.</summary>
    public static readonly IReadOnlyList<string> CompanionFiles =
    [
        "config.json", "generation_config.json", "tokenizer.json", "tokenizer.model", "tokenizer_config.json",
        "special_tokens_map.json", "added_tokens.json", "vocab.json", "merges.txt",
    ];

    // Contrib operators that replace a pattern of plain ones; the plain path emits none except MatMulNBits for int4.
    private static readonly HashSet<string> FusedOperatorTypes = new(StringComparer.Ordinal)
    {
        "com.microsoft.MatMulNBits", "com.microsoft.GroupQueryAttention", "com.microsoft.SkipSimplifiedLayerNormalization",
        "RMSNormalization", "RotaryEmbedding", "Attention",
    };

    /// <summary>Progress steps of an export of <paramref name="config"/> (embedding, each layer, head).</summary>
    public static int ProgressSteps(ModelConfig config) => config.NumLayers + 2;

    /// <param name="steps">Reports 1 per finished step (<see cref="ProgressSteps"/> in all).</param>
    public static ExportResult Export(string checkpointDirectory, string outputDirectory, ExportOptions options, IProgress<int>? steps = null)
    {
        var config = ModelConfig.Load(Path.Combine(checkpointDirectory, "config.json"));
        OnnxGraphBuilder graph;
        using var externalData = options.StreamWeights ? new ExternalDataWriter(outputDirectory) : null;
        using (var weights = CheckpointWeights.Open(checkpointDirectory))
        {
            DecoderGraphBuilder builder = config.Family switch
            {
                ModelFamily.Llama => new LlamaGraphBuilder(config, weights, options),
                ModelFamily.GptNeoX => new GptNeoXGraphBuilder(config, weights, options),
                _ => throw new NotSupportedException($"model family {config.Family} has no ONNX exporter."),
            };
            if (externalData is not null) builder.Graph.StreamInitializersTo(externalData);
            builder.Build(steps);
            graph = builder.Graph;
        }
        var written = OnnxModelWriter.Write(graph, outputDirectory, options.ExternalDataThresholdBytes);
        GenAiConfigWriter.Write(config, outputDirectory, OnnxModelWriter.ModelFileName);
        var copied = CopyCompanionFiles(checkpointDirectory, outputDirectory);
        var notWritten = WriteSentencePieceTokenizerJson(outputDirectory, copied);
        var operators = graph.OperatorTypesUsed.Order(StringComparer.Ordinal).ToList();
        return new ExportResult(written.ModelPath, written.IrVersion, options.Opset, options.Precision, written.ModelBytes,
            written.ExternalDataBytes, operators, operators.Where(FusedOperatorTypes.Contains).ToList(), copied, notWritten);
    }

    /// <summary>
    /// ONNX Runtime GenAI tokenizes from tokenizer.json only: a SentencePiece model without one (Llama 2 style) gets it
    /// written from tokenizer.model (<see cref="SentencePieceTokenizerJson"/>), added to <paramref name="copied"/>. Returns
    /// why it was not written for a model the converter refuses (unigram, a precompiled map, …); the export itself goes on.
    /// </summary>
    private static string? WriteSentencePieceTokenizerJson(string outputDirectory, List<string> copied)
    {
        if (!copied.Contains(TextTokenizer.SentencePieceFile) || copied.Contains(TextTokenizer.TokenizerJsonFile)) return null;
        try
        {
            SentencePieceTokenizerJson.WriteBeside(outputDirectory);
        }
        catch (CheckpointException e)
        {
            return e.Message;
        }
        copied.Add(TextTokenizer.TokenizerJsonFile);
        return null;
    }

    private static List<string> CopyCompanionFiles(string source, string destination)
    {
        var copied = new List<string>();
        foreach (var name in CompanionFiles)
        {
            var from = Path.Combine(source, name);
            if (!File.Exists(from)) continue;
            OnnxModelWriter.WriteAtomically(Path.Combine(destination, name), stream =>
            {
                using var input = File.OpenRead(from);
                input.CopyTo(stream);
            });
            copied.Add(name);
        }
        return copied;
    }
}
