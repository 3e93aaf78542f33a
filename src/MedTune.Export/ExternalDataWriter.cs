using System.Runtime;
using Google.Protobuf;
using Onnx;

namespace MedTune.Export;

/// <summary>
/// Streams initializer bytes into <c>model.onnx.data</c> as the graph is built, so that an export never holds the
/// model's weights: each tensor above <see cref="InlineLimitBytes"/> is appended (4096-aligned) and its TensorProto
/// only records location, offset and length — the layout <see cref="OnnxModelWriter"/> gives an in-memory graph,
/// so both ways write the same bytes. Written to a temporary sibling; <see cref="Publish"/> renames it into place.
/// When the model turns out small enough to be stored inline, <see cref="Inline"/> reads the tensors back instead.
/// </summary>
public sealed class ExternalDataWriter : IDisposable
{
    public const int InlineLimitBytes = 1024;
    public const int Alignment = 4096;

    private readonly string _temporary;
    private readonly FileStream _stream;
    private readonly List<TensorProto> _tensors = [];
    private bool _finished;

    public ExternalDataWriter(string outputDirectory)
    {
        Directory.CreateDirectory(outputDirectory);
        FinalPath = Path.Combine(outputDirectory, OnnxModelWriter.ExternalDataFileName);
        _temporary = Path.Combine(outputDirectory, $".{OnnxModelWriter.ExternalDataFileName}.{Guid.NewGuid():N}.tmp");
        _stream = new FileStream(_temporary, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 20);
    }

    public string FinalPath { get; }

    /// <summary>Bytes written so far, padding included.</summary>
    public long Length => _stream.Length;

    /// <summary>Whether a tensor of <paramref name="bytes"/> goes to the data file rather than into model.onnx.</summary>
    public static bool IsExternal(long bytes) => bytes > InlineLimitBytes;

    public void Append(TensorProto tensor, ReadOnlySpan<byte> data)
    {
        var offset = _stream.Length;
        var padding = (Alignment - offset % Alignment) % Alignment;
        _stream.Seek(0, SeekOrigin.End);
        _stream.Write(new byte[padding]);
        offset += padding;
        _stream.Write(data);
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = OnnxModelWriter.ExternalDataFileName });
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString() });
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = data.Length.ToString() });
        tensor.DataLocation = TensorProto.Types.DataLocation.External;
        _tensors.Add(tensor);
        ReleaseWrittenArrays(data.Length);
    }

    /// <summary>Bytes streamed since the last collection that <see cref="ReleaseWrittenArrays"/> forced.</summary>
    private long _sinceCollection;

    /// <summary>
    /// An export makes a few arrays of each tensor's size (the float32 weight, its int4 or float16 form) and drops them
    /// once the tensor is written. Left to itself the garbage collector lets such large-object garbage grow far past the
    /// live data, and the arrays of different sizes fragment the large-object heap so that freed space is not reused:
    /// the int4 export of a 2-layer Llama-2-7B shape peaked at 6.2 GB resident while holding one tensor at a time. With
    /// the reads made copy-free, a blocking collection after every 256 MB streamed that also compacts the large-object
    /// heap brought it to 3.1 GB, and with GC ConserveMemory (Directory.Build.props), which compacts on the collections
    /// that allocations trigger in between, to 1.5–1.9 GB. With little else on the managed heap a collection costs a
    /// fraction of a second, against seconds for writing those bytes.
    /// </summary>
    private void ReleaseWrittenArrays(long bytes)
    {
        _sinceCollection += bytes;
        if (_sinceCollection < CollectEveryBytes) return;
        _sinceCollection = 0;
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
    }

    private const long CollectEveryBytes = 256L << 20;

    /// <summary>Flushes the data file to disk and renames it to <c>model.onnx.data</c>; returns its length.</summary>
    public long Publish()
    {
        _stream.Flush(flushToDisk: true);
        var length = _stream.Length;
        _stream.Dispose();
        File.Move(_temporary, FinalPath, overwrite: true);
        _finished = true;
        return length;
    }

    /// <summary>Moves every streamed tensor back into its TensorProto (raw data) and deletes the data file.</summary>
    public void Inline()
    {
        foreach (var tensor in _tensors)
        {
            var offset = long.Parse(tensor.ExternalData.Single(e => e.Key == "offset").Value);
            var length = int.Parse(tensor.ExternalData.Single(e => e.Key == "length").Value);
            var bytes = new byte[length];
            _stream.Seek(offset, SeekOrigin.Begin);
            _stream.ReadExactly(bytes);
            tensor.ExternalData.Clear();
            tensor.DataLocation = TensorProto.Types.DataLocation.Default;
            tensor.RawData = UnsafeByteOperations.UnsafeWrap(bytes); // the array is the tensor's alone: no second copy
        }
        Dispose();
    }

    public void Dispose()
    {
        if (_finished) return;
        _finished = true;
        _stream.Dispose();
        File.Delete(_temporary);
    }
}
