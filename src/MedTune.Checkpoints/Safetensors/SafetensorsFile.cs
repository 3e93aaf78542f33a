using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;

namespace MedTune.Checkpoints;

/// <summary>
/// A safetensors file opened read-only through a memory map: tensors are copied straight from the
/// mapping into their destination, so loading holds at most one transient copy of a tensor.
/// </summary>
public sealed class SafetensorsFile : IDisposable
{
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly long _dataStart;

    public string Path { get; }
    public IReadOnlyDictionary<string, TensorInfo> Tensors { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }

    private SafetensorsFile(string path, MemoryMappedFile map, MemoryMappedViewAccessor view, long dataStart,
        IReadOnlyDictionary<string, TensorInfo> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        Path = path;
        _map = map;
        _view = view;
        _dataStart = dataStart;
        Tensors = tensors;
        Metadata = metadata;
    }

    public static SafetensorsFile Open(string path)
    {
        RefusePickle(path);
        if (!File.Exists(path))
            throw new CheckpointException($"{path}: file not found.");
        var length = new FileInfo(path).Length;
        if (length < 8)
            throw SafetensorsHeader.Corrupt(path, $"the file is {length} bytes, shorter than the 8-byte header length");
        Span<byte> prefix = stackalloc byte[8];
        using (var stream = File.OpenRead(path))
            stream.ReadExactly(prefix);
        var headerLength = BinaryPrimitives.ReadInt64LittleEndian(prefix);
        if (headerLength <= 0 || headerLength > SafetensorsHeader.MaxHeaderBytes || headerLength > length - 8)
            throw SafetensorsHeader.Corrupt(path, $"header length {headerLength} is impossible for a {length}-byte file");

        var header = new byte[headerLength];
        using (var stream = File.OpenRead(path))
        {
            stream.Seek(8, SeekOrigin.Begin);
            stream.ReadExactly(header);
        }
        var dataStart = 8 + headerLength;
        var (tensors, metadata) = SafetensorsHeader.Parse(header, length - dataStart, path);
        var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        var view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        return new SafetensorsFile(path, map, view, dataStart, tensors, metadata);
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
        unsafe
        {
            byte* pointer = null;
            _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            try
            {
                new ReadOnlySpan<byte>(pointer + _view.PointerOffset + _dataStart + info.Begin, checked((int)info.ByteCount))
                    .CopyTo(destination);
            }
            finally
            {
                _view.SafeMemoryMappedViewHandle.ReleasePointer();
            }
        }
    }

    public byte[] ReadBytes(string name)
    {
        var bytes = new byte[Info(name).ByteCount];
        CopyBytes(name, bytes);
        return bytes;
    }

    /// <summary>Reads a floating-point tensor converted to float32 (F32, F16 or BF16).</summary>
    public float[] ReadFloat32(string name)
    {
        var info = Info(name);
        return TensorConversions.ToFloat32(ReadBytes(name), info.DType, $"{Path}: tensor '{name}'");
    }

    public void Dispose()
    {
        _view.Dispose();
        _map.Dispose();
    }

    internal static void RefusePickle(string path)
    {
        var extension = System.IO.Path.GetExtension(path);
        if (extension is ".bin" or ".pt" or ".pth" or ".ckpt" or ".pkl")
            throw new CheckpointException(
                $"{path}: pickle checkpoints are refused: loading one can execute arbitrary code. Convert it to safetensors " +
                "where Python is trusted (e.g. `model = AutoModelForCausalLM.from_pretrained(dir); model.save_pretrained(out, safe_serialization=True)`).");
    }
}
