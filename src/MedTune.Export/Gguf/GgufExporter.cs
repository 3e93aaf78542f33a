using MedTune.Checkpoints;

namespace MedTune.Export.Gguf;

/// <summary>What a GGUF export should write.</summary>
public sealed record GgufExportOptions
{
    /// <summary>One file per type: <c>model-f16.gguf</c>, <c>model-q8_0.gguf</c>.</summary>
    public IReadOnlyList<GgmlType> Types { get; init; } = [GgmlType.F16, GgmlType.Q8_0];

    /// <summary><c>general.name</c> in the file and the model name in the Modelfile's comment.</summary>
    public string Name { get; init; } = "model";

    /// <summary>
    /// The prompt the model was tuned with, with <c>{{ .Prompt }}</c> where the user's text goes (Ollama's Go template
    /// syntax); null writes no Modelfile.
    /// </summary>
    public string? PromptTemplate { get; init; }

    /// <summary>Strings that end an answer, for the Modelfile's <c>PARAMETER stop</c>.</summary>
    public IReadOnlyList<string> StopStrings { get; init; } = [];

    public static GgmlType ParseType(string text) => text switch
    {
        "f16" => GgmlType.F16,
        "q8_0" => GgmlType.Q8_0,
        _ => throw new ArgumentException($"GGUF type '{text}' is not supported; use f16 or q8_0."),
    };

    public static string TypeName(GgmlType type) => type switch
    {
        GgmlType.F16 => "f16",
        GgmlType.Q8_0 => "q8_0",
        GgmlType.F32 => "f32",
        _ => type.ToString().ToLowerInvariant(),
    };
}

/// <summary>One written GGUF file.</summary>
public sealed record GgufFile(string Path, GgmlType Type, long Bytes);

/// <summary>
/// Writes a Hugging Face checkpoint (config.json, safetensors, tokenizer) as GGUF files for llama.cpp and Ollama,
/// with the tokenizer embedded, plus an Ollama <c>Modelfile</c> that carries the prompt template.
/// </summary>
public static class GgufExporter
{
    public const string ModelfileName = "Modelfile";

    public static string FileNameFor(GgmlType type) => $"model-{GgufExportOptions.TypeName(type)}.gguf";

    public static IReadOnlyList<GgufFile> Export(string checkpointDirectory, string outputDirectory, GgufExportOptions options)
    {
        if (options.Types.Count == 0) throw new ArgumentException("GGUF export needs at least one type (f16, q8_0).");
        var config = ModelConfig.Load(Path.Combine(checkpointDirectory, "config.json"));
        var vocabulary = GgufVocabulary.Build(checkpointDirectory, config);
        var written = new List<GgufFile>();
        using var weights = CheckpointWeights.Open(checkpointDirectory);
        foreach (var type in options.Types.Distinct())
        {
            var (architecture, tensors) = GgufModelMapping.Map(config, weights, type);
            var metadata = new List<GgufMetadata>
            {
                GgufMetadata.String("general.architecture", GgufModelMapping.Architecture(config.Family)),
                GgufMetadata.String("general.name", options.Name),
                GgufMetadata.UInt32("general.file_type", FileType(type)),
                GgufMetadata.UInt32("general.quantization_version", 2),
                GgufMetadata.UInt32("general.alignment", GgufFileWriter.Alignment),
            };
            metadata.AddRange(architecture);
            metadata.AddRange(vocabulary);
            var path = Path.Combine(outputDirectory, FileNameFor(type));
            AtomicFile.Write(path, stream => GgufFileWriter.Write(stream, metadata, tensors));
            written.Add(new GgufFile(path, type, new FileInfo(path).Length));
        }
        if (options.PromptTemplate is not null)
            AtomicFile.WriteAllText(Path.Combine(outputDirectory, ModelfileName),
                OllamaModelfile.Build(Path.GetFileName(written[0].Path), options.Name, options.PromptTemplate, options.StopStrings, config));
        return written;
    }

    /// <summary><c>llama_ftype</c>: MOSTLY_F16 = 1, MOSTLY_Q8_0 = 7.</summary>
    private static uint FileType(GgmlType type) => type switch
    {
        GgmlType.F32 => 0,
        GgmlType.F16 => 1,
        GgmlType.Q8_0 => 7,
        _ => throw new NotSupportedException($"ggml type {type}"),
    };
}
