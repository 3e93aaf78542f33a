using System.Text;

namespace MedTune.Export.Gguf;

/// <summary>GGUF metadata value types (gguf.h <c>gguf_type</c>).</summary>
public enum GgufValueType : uint
{
    UInt8 = 0, Int8 = 1, UInt16 = 2, Int16 = 3, UInt32 = 4, Int32 = 5, Float32 = 6, Bool = 7, String = 8, Array = 9,
    UInt64 = 10, Int64 = 11, Float64 = 12,
}

/// <summary>One metadata entry: a scalar, a string, or an array of one element type.</summary>
public sealed record GgufMetadata(string Key, GgufValueType Type, object Value, GgufValueType ElementType = GgufValueType.UInt8)
{
    public static GgufMetadata String(string key, string value) => new(key, GgufValueType.String, value);
    public static GgufMetadata UInt32(string key, uint value) => new(key, GgufValueType.UInt32, value);
    public static GgufMetadata Float32(string key, float value) => new(key, GgufValueType.Float32, value);
    public static GgufMetadata Bool(string key, bool value) => new(key, GgufValueType.Bool, value);
    public static GgufMetadata Strings(string key, IReadOnlyList<string> values) => new(key, GgufValueType.Array, values, GgufValueType.String);
    public static GgufMetadata Floats(string key, IReadOnlyList<float> values) => new(key, GgufValueType.Array, values, GgufValueType.Float32);
    public static GgufMetadata Int32s(string key, IReadOnlyList<int> values) => new(key, GgufValueType.Array, values, GgufValueType.Int32);
}

/// <summary>
/// A tensor to store: its GGUF name, its shape in GGUF order (<c>ne</c>: innermost dimension first, i.e. the
/// reverse of the PyTorch shape), its storage type and a function that produces its float32 values on demand,
/// so that a large model is converted one tensor at a time.
/// </summary>
public sealed record GgufTensor(string Name, long[] Dimensions, GgmlType Type, Func<float[]> Values)
{
    public long ElementCount => Dimensions.Aggregate(1L, (a, b) => a * b);
    public long ByteCount => GgmlTypes.ByteCount(Type, ElementCount);
}

/// <summary>
/// Writes GGUF version 3 files (the format llama.cpp and Ollama read): header, metadata key/values, tensor
/// infos, then the tensor data, each tensor aligned to <see cref="Alignment"/> bytes. Little-endian throughout.
/// </summary>
public static class GgufFileWriter
{
    public const uint Magic = 0x46554747; // "GGUF" read as a little-endian uint32
    public const uint Version = 3;
    public const int Alignment = 32;

    public static void Write(Stream stream, IReadOnlyList<GgufMetadata> metadata, IReadOnlyList<GgufTensor> tensors)
    {
        var duplicate = tensors.GroupBy(t => t.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"GGUF tensor '{duplicate.Key}' is listed twice.");
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(Magic);
        writer.Write(Version);
        writer.Write((ulong)tensors.Count);
        writer.Write((ulong)metadata.Count);
        foreach (var entry in metadata)
        {
            WriteString(writer, entry.Key);
            writer.Write((uint)entry.Type);
            WriteValue(writer, entry.Type, entry.Value, entry.ElementType, entry.Key);
        }
        long offset = 0;
        foreach (var tensor in tensors)
        {
            WriteString(writer, tensor.Name);
            writer.Write((uint)tensor.Dimensions.Length);
            foreach (var d in tensor.Dimensions) writer.Write((ulong)d);
            writer.Write((uint)tensor.Type);
            writer.Write((ulong)offset);
            offset = Align(offset + tensor.ByteCount);
        }
        writer.Flush();
        Pad(stream);
        foreach (var tensor in tensors)
        {
            var values = tensor.Values();
            if (values.LongLength != tensor.ElementCount)
                throw new InvalidOperationException($"GGUF tensor '{tensor.Name}' produced {values.LongLength} values; its shape needs {tensor.ElementCount}.");
            var bytes = GgmlTypes.Encode(tensor.Type, values, tensor.Dimensions[0]);
            stream.Write(bytes);
            Pad(stream);
        }
    }

    private static long Align(long offset) => (offset + Alignment - 1) / Alignment * Alignment;

    private static void Pad(Stream stream)
    {
        var padding = (int)(Align(stream.Position) - stream.Position);
        if (padding > 0) stream.Write(new byte[padding]);
    }

    private static void WriteString(BinaryWriter writer, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        writer.Write((ulong)bytes.Length);
        writer.Write(bytes);
    }

    private static void WriteValue(BinaryWriter writer, GgufValueType type, object value, GgufValueType elementType, string key)
    {
        switch (type)
        {
            case GgufValueType.String: WriteString(writer, (string)value); break;
            case GgufValueType.UInt32: writer.Write((uint)value); break;
            case GgufValueType.Int32: writer.Write((int)value); break;
            case GgufValueType.Float32: writer.Write((float)value); break;
            case GgufValueType.Bool: writer.Write((byte)((bool)value ? 1 : 0)); break;
            case GgufValueType.Array:
                writer.Write((uint)elementType);
                switch (elementType)
                {
                    case GgufValueType.String:
                        var strings = (IReadOnlyList<string>)value;
                        writer.Write((ulong)strings.Count);
                        foreach (var s in strings) WriteString(writer, s);
                        break;
                    case GgufValueType.Float32:
                        var floats = (IReadOnlyList<float>)value;
                        writer.Write((ulong)floats.Count);
                        foreach (var f in floats) writer.Write(f);
                        break;
                    case GgufValueType.Int32:
                        var ints = (IReadOnlyList<int>)value;
                        writer.Write((ulong)ints.Count);
                        foreach (var i in ints) writer.Write(i);
                        break;
                    default: throw new NotSupportedException($"GGUF metadata '{key}': arrays of {elementType} are not written by medtune.");
                }
                break;
            default: throw new NotSupportedException($"GGUF metadata '{key}': values of type {type} are not written by medtune.");
        }
    }
}
