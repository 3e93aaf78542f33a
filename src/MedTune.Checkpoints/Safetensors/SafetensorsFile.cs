using System.Buffers;
using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using Microsoft.Win32.SafeHandles;

namespace MedTune.Checkpoints;

/// <summary>
/// A safetensors file opened read-only. The header is validated before anything is allocated for the
/// tensors; tensor bytes are then read straight into the caller's destination (e.g. a parameter's memory),
/// in chunks when a tensor is larger than a span can hold, so loading holds at most one transient copy of a tensor.
/// <see cref="ReadMapped"/> instead maps the tensor window by window (MemoryMappedFile) and hands out spans over the
/// mapping, so a loader converts straight from the file's pages into its destination; each window is unmapped before the
/// next is mapped, so at most one window of the file counts as process memory.
/// </summary>
public sealed class SafetensorsFile : IDisposable
{
    private readonly SafeFileHandle _handle;
    private readonly long _dataStart;
    private MemoryMappedFile? _map;

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

    /// <summary>
    /// Visits a tensor's bytes through a read-only memory map, in windows of at most <paramref name="windowBytes"/>
    /// (rounded down to a multiple of 64 bytes so that no element is split): <paramref name="visit"/>(bytes, byte offset
    /// into the tensor). The span is valid only during the call.
    /// </summary>
    public void ReadMapped(string name, long windowBytes, ReadOnlySpanAction<byte, long> visit)
    {
        var info = Info(name);
        windowBytes = Math.Max(64, Math.Min(windowBytes, int.MaxValue) / 64 * 64);
        for (long offset = 0; offset < info.ByteCount; offset += windowBytes)
            ReadMapped(name, offset, (int)Math.Min(windowBytes, info.ByteCount - offset), visit);
    }

    /// <summary>Maps bytes [offset, offset + length) of a tensor and passes them to <paramref name="visit"/>, then unmaps them.</summary>
    public unsafe void ReadMapped(string name, long offset, int length, ReadOnlySpanAction<byte, long> visit)
    {
        var info = Info(name);
        if (offset < 0 || length < 0 || offset + length > info.ByteCount)
            throw new ArgumentOutOfRangeException(nameof(offset), $"bytes [{offset}, {offset + length}) lie outside tensor '{name}' ({info.ByteCount} bytes)");
        if (length == 0) return;
        _map ??= MemoryMappedFile.CreateFromFile(_handle, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
        using var view = _map.CreateViewAccessor(_dataStart + info.Begin + offset, length, MemoryMappedFileAccess.Read);
        byte* pointer = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        try
        {
            visit(new ReadOnlySpan<byte>(pointer + view.PointerOffset, length), offset);
        }
        finally
        {
            view.SafeMemoryMappedViewHandle.ReleasePointer();
        }
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

    /// <summary>
    /// Reads a floating-point tensor converted to float32 (F32, F16 or BF16), through a small buffer: the result is the
    /// only full-size allocation (no byte copy of the tensor beside it).
    /// </summary>
    public float[] ReadFloat32(string name)
    {
        var count = FloatElementCount(name);
        if (count > Array.MaxLength)
            throw new CheckpointException($"{Path}: tensor '{name}' ({count} elements) is too large to read into one array.");
        var result = new float[count];
        ReadFloat32(name, result);
        return result;
    }

    /// <summary>Reads a floating-point tensor into <paramref name="destination"/> (exactly its element count), converted to float32.</summary>
    public void ReadFloat32(string name, Span<float> destination)
    {
        var info = Info(name);
        var count = FloatElementCount(name);
        if (destination.Length != count)
            throw new ArgumentException($"destination holds {destination.Length} values, tensor '{name}' has {count}");
        var elementBytes = info.DType.ElementSize();
        var buffer = new byte[(int)Math.Min(info.ByteCount, ReadChunkBytes)];
        for (long offset = 0; offset < info.ByteCount; offset += buffer.Length)
        {
            var chunk = buffer.AsSpan(0, (int)Math.Min(buffer.Length, info.ByteCount - offset));
            CopyBytes(name, offset, chunk);
            TensorConversions.ToFloat32(chunk, info.DType, destination.Slice((int)(offset / elementBytes), chunk.Length / elementBytes));
        }
    }

    private long FloatElementCount(string name)
    {
        var info = Info(name);
        if (!info.DType.IsFloatingPoint())
            throw new CheckpointException($"{Path}: tensor '{name}' is {info.DType}; a floating-point tensor (F32, F16, BF16) was expected.");
        return info.ByteCount / info.DType.ElementSize();
    }

    /// <summary>Bytes read at a time by <see cref="ReadFloat32"/> (a multiple of every element size).</summary>
    private const int ReadChunkBytes = 16 << 20;

    public void Dispose()
    {
        _map?.Dispose();
        _handle.Dispose();
    }

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
