using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace MedTune.Checkpoints;

/// <summary>
/// A safetensors file opened read-only. The header is validated before anything is allocated for the
/// tensors; tensor bytes are then read straight into the caller's destination (e.g. a parameter's memory),
/// in chunks when a tensor is larger than a span can hold, so loading holds at most one transient copy of a tensor.
/// Reads go through the file handle rather than a memory map so that the page cache is not counted as process memory.
/// </summary>
public sealed class SafetensorsFile : IDisposable
{
    private readonly SafeFileHandle _handle;
    private readonly long _dataStart;

    public string Path { get; }
    public IReadOnlyDictionary<string, TensorInfo> Tensors { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }

    private SafetensorsFile(string path, SafeFileHandle handle, long dataStart,
        IReadOnlyDictionary<string, TensorInfo> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        Path = path;
        _handle = handle;
        _dataStart = dataStart;
        Tensors = tensors;
        Metadata = metadata;
    }

    public static SafetensorsFile Open(string path)
    {
        PickleCheckpoints.RefuseIfPickle(path);
        if (!File.Exists(path))
            throw new CheckpointException($"{path}: file not found.");
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            var length = RandomAccess.GetLength(handle);
            if (length < 8)
                throw SafetensorsHeader.Corrupt(path, $"the file is {length} bytes, shorter than the 8-byte header length");
            Span<byte> prefix = stackalloc byte[8];
            ReadExactly(handle, prefix, 0, path);
            var headerLength = BinaryPrimitives.ReadInt64LittleEndian(prefix);
            if (headerLength <= 0 || headerLength > SafetensorsHeader.MaxHeaderBytes || headerLength > length - 8)
                throw SafetensorsHeader.Corrupt(path, $"header length {headerLength} is impossible for a {length}-byte file");
            var header = new byte[headerLength];
            ReadExactly(handle, header, 8, path);
            var dataStart = 8 + headerLength;
            var (tensors, metadata) = SafetensorsHeader.Parse(header, length - dataStart, path);
            return new SafetensorsFile(path, handle, dataStart, tensors, metadata);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public TensorInfo Info(string name) =>
        Tensors.TryGetValue(name, out var info)
            ? info
            : throw new CheckpointException($"{Path}: tensor '{name}' is missing.");

    /// <summary>Copies a tensor's raw little-endian bytes into <paramref name="destination"/> (exactly its byte count).</summary>
    public void CopyBytes(string name, Span<byte> destination)
    {
        var info = Info(name);
        if (destination.Length != info.ByteCount)
            throw new ArgumentException($"destination holds {destination.Length} bytes, tensor '{name}' has {info.ByteCount}");
        CopyBytes(name, 0, destination);
    }

    /// <summary>Copies <paramref name="destination"/>.Length bytes of a tensor starting <paramref name="offset"/> bytes into it.</summary>
    public void CopyBytes(string name, long offset, Span<byte> destination)
    {
        var info = Info(name);
        if (offset < 0 || offset + destination.Length > info.ByteCount)
            throw new ArgumentOutOfRangeException(nameof(offset), $"bytes [{offset}, {offset + destination.Length}) lie outside tensor '{name}' ({info.ByteCount} bytes)");
        ReadExactly(_handle, destination, _dataStart + info.Begin + offset, Path);
    }

    public byte[] ReadBytes(string name)
    {
        var info = Info(name);
        if (info.ByteCount > Array.MaxLength)
            throw new CheckpointException($"{Path}: tensor '{name}' ({info.ByteCount} bytes) is too large to read into one array; read it in chunks with CopyBytes(name, offset, destination).");
        var bytes = new byte[info.ByteCount];
        CopyBytes(name, bytes);
        return bytes;
    }

    /// <summary>Reads a floating-point tensor converted to float32 (F32, F16 or BF16).</summary>
    public float[] ReadFloat32(string name)
    {
        var info = Info(name);
        return TensorConversions.ToFloat32(ReadBytes(name), info.DType, $"{Path}: tensor '{name}'");
    }

    public void Dispose() => _handle.Dispose();

    private static void ReadExactly(SafeFileHandle handle, Span<byte> destination, long fileOffset, string path)
    {
        while (!destination.IsEmpty)
        {
            var read = RandomAccess.Read(handle, destination, fileOffset);
            if (read == 0)
                throw SafetensorsHeader.Corrupt(path, "the file ended early (truncated file?)");
            destination = destination[read..];
            fileOffset += read;
        }
    }
}
