using System.Buffers.Binary;
using System.Text.Json;

namespace MedTune.Checkpoints;

/// <summary>
/// A tensor to be written whose bytes are produced only when the writer reaches it, so that saving a model
/// holds at most one tensor's bytes outside the model. <paramref name="WriteData"/> must write exactly
/// shape × element size little-endian bytes, row-major.
/// </summary>
public sealed record TensorSource(string Name, TensorDType DType, long[] Shape, Action<Stream> WriteData)
{
    public long ByteCount => Shape.Aggregate(1L, (a, b) => checked(a * b)) * DType.ElementSize();
}

/// <summary>Writes a safetensors file atomically (temporary file, then rename), tensors in the order given.</summary>
public static class SafetensorsWriter
{
    public static void Write(string path, IEnumerable<NamedTensorData> tensors, IReadOnlyDictionary<string, string>? metadata = null) =>
        Write(path, tensors.Select(t =>
        {
            var expected = t.Shape.Aggregate(1L, (a, b) => a * b) * t.DType.ElementSize();
            if (expected != t.Data.Length)
                throw new ArgumentException($"tensor '{t.Name}': {t.Data.Length} bytes for shape [{string.Join(", ", t.Shape)}] of {t.DType} (expected {expected})");
            return new TensorSource(t.Name, t.DType, t.Shape, stream => stream.Write(t.Data.Span));
        }).ToList(), metadata);

    public static void Write(string path, IReadOnlyList<TensorSource> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var header = BuildHeader(tensors, metadata);
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = System.IO.Path.Combine(directory, $".{System.IO.Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                Span<byte> length = stackalloc byte[8];
                BinaryPrimitives.WriteInt64LittleEndian(length, header.Length);
                stream.Write(length);
                stream.Write(header);
                foreach (var tensor in tensors)
                {
                    var before = stream.Position;
                    tensor.WriteData(stream);
                    if (stream.Position - before != tensor.ByteCount)
                        throw new InvalidOperationException($"tensor '{tensor.Name}' wrote {stream.Position - before} bytes, expected {tensor.ByteCount}");
                }
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

    /// <summary>The JSON header, padded with spaces to a multiple of 8 bytes as the reference writer does.</summary>
    private static byte[] BuildHeader(IReadOnlyList<TensorSource> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject("__metadata__");
                foreach (var (key, value) in metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
                    json.WriteString(key, value);
                json.WriteEndObject();
            }
            long offset = 0;
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var tensor in tensors)
            {
                if (!names.Add(tensor.Name))
                    throw new ArgumentException($"tensor '{tensor.Name}' is given twice");
                json.WriteStartObject(tensor.Name);
                json.WriteString("dtype", tensor.DType.ToString());
                json.WriteStartArray("shape");
                foreach (var dimension in tensor.Shape) json.WriteNumberValue(dimension);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + tensor.ByteCount);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += tensor.ByteCount;
            }
            json.WriteEndObject();
        }
        var padding = (8 - buffer.Length % 8) % 8;
        for (var i = 0; i < padding; i++) buffer.WriteByte((byte)' ');
        return buffer.ToArray();
    }
}
