using Google.Protobuf;
using Onnx;

namespace MedTune.Export;

/// <summary>
/// Wraps a graph into a ModelProto and writes it atomically (temporary file + rename). Initializers go
/// inline unless their total exceeds the threshold; then every sizeable one moves to <c>model.onnx.data</c>
/// (protobuf messages cannot exceed 2 GiB). A graph built with <see cref="ExternalDataWriter"/> has its weights on
/// disk already; the result is byte for byte the same.
/// </summary>
public static class OnnxModelWriter
{
    public const string ModelFileName = "model.onnx";
    public const string ExternalDataFileName = "model.onnx.data";
    private const int ExternalAlignment = ExternalDataWriter.Alignment;

    /// <summary>The IR version that first allows <paramref name="opset"/> of the default domain.</summary>
    public static long IrVersionFor(int opset) => opset switch
    {
        <= 18 => 8,
        <= 20 => 9,
        <= 22 => 10,
        _ => 11,
    };

    public sealed record WrittenModel(string ModelPath, long ModelBytes, string? ExternalDataPath, long ExternalDataBytes, long IrVersion);

    public static WrittenModel Write(OnnxGraphBuilder graph, string outputDirectory, long externalThresholdBytes)
    {
        Directory.CreateDirectory(outputDirectory);
        var model = new ModelProto
        {
            IrVersion = IrVersionFor(graph.Opset),
            ProducerName = "medtune",
            ProducerVersion = typeof(OnnxModelWriter).Assembly.GetName().Version?.ToString() ?? "0",
            Graph = graph.Graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = graph.Opset });
        if (graph.UsesMicrosoftDomain)
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = OnnxGraphBuilder.MicrosoftDomain, Version = 1 });

        string? dataPath = null;
        long dataBytes = 0;
        if (graph.ExternalData is { } streamed)
        {
            // Streamed while building: publish the data file, or — for a model small enough — store the tensors inline
            // after all, exactly as the in-memory path below would have.
            if (graph.InitializerBytes > externalThresholdBytes)
            {
                dataPath = streamed.FinalPath;
                dataBytes = streamed.Publish();
            }
            else streamed.Inline();
        }
        else if (graph.InitializerBytes > externalThresholdBytes)
        {
            dataPath = Path.Combine(outputDirectory, ExternalDataFileName);
            dataBytes = MoveInitializersToFile(graph.Graph, dataPath);
        }
        var modelPath = Path.Combine(outputDirectory, ModelFileName);
        WriteAtomically(modelPath, stream => model.WriteTo(stream));
        return new WrittenModel(modelPath, new FileInfo(modelPath).Length, dataPath, dataBytes, model.IrVersion);
    }

    private static long MoveInitializersToFile(GraphProto graph, string dataPath)
    {
        long offset = 0;
        WriteAtomically(dataPath, stream =>
        {
            foreach (var tensor in graph.Initializer.Where(t => ExternalDataWriter.IsExternal(t.RawData.Length)))
            {
                var padding = (ExternalAlignment - offset % ExternalAlignment) % ExternalAlignment;
                stream.Write(new byte[padding]);
                offset += padding;
                tensor.RawData.WriteTo(stream);
                tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = ExternalDataFileName });
                tensor.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString() });
                tensor.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = tensor.RawData.Length.ToString() });
                offset += tensor.RawData.Length;
                tensor.DataLocation = TensorProto.Types.DataLocation.External;
                tensor.RawData = ByteString.Empty;
            }
        });
        return offset;
    }

    public static void WriteAtomically(string path, Action<Stream> write)
    {
        var temporary = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }
}
