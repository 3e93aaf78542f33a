using System.Text.Json;
using System.Text.Json.Nodes;

namespace MedTune.Checkpoints;

/// <summary>
/// The weights of a Hugging Face model directory: <c>model.safetensors</c>, or shards listed in
/// <c>model.safetensors.index.json</c>. Pickle-only directories are refused with the conversion recipe.
/// </summary>
public sealed class CheckpointWeights : IDisposable
{
    public const string SingleFileName = "model.safetensors";
    public const string IndexFileName = "model.safetensors.index.json";

    private readonly Dictionary<string, SafetensorsFile> _fileByTensor;
    private readonly List<SafetensorsFile> _files;

    private CheckpointWeights(List<SafetensorsFile> files, Dictionary<string, SafetensorsFile> fileByTensor)
    {
        _files = files;
        _fileByTensor = fileByTensor;
    }

    public IReadOnlyCollection<string> Names => _fileByTensor.Keys;

    public static CheckpointWeights Open(string modelDirectory)
    {
        var single = Path.Combine(modelDirectory, SingleFileName);
        var index = Path.Combine(modelDirectory, IndexFileName);
        if (File.Exists(index)) return OpenSharded(modelDirectory, index);
        if (File.Exists(single)) return FromFiles([SafetensorsFile.Open(single)]);
        if (!Directory.Exists(modelDirectory))
            throw new CheckpointException($"{modelDirectory}: model directory not found.");
        if (PickleCheckpoints.Find(modelDirectory) is { } pickle)
            throw PickleCheckpoints.Refusal(pickle);
        throw new CheckpointException($"{modelDirectory}: no {SingleFileName} or {IndexFileName} found. Point model.base at a Hugging Face model directory with safetensors weights.");
    }

    private static CheckpointWeights OpenSharded(string directory, string indexPath)
    {
        JsonObject weightMap;
        try
        {
            weightMap = JsonNode.Parse(File.ReadAllText(indexPath))?["weight_map"] as JsonObject
                        ?? throw new CheckpointException($"{indexPath}: weight_map is missing.");
        }
        catch (JsonException e)
        {
            throw new CheckpointException($"{indexPath}: not valid JSON: {JsonLineErrors.Reason(e)}", e);
        }
        var files = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
        var byTensor = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
        try
        {
            foreach (var (tensor, shardNode) in weightMap)
            {
                var shard = shardNode is JsonValue value && value.GetValueKind() == JsonValueKind.String
                    ? value.GetValue<string>()
                    : throw new CheckpointException($"{indexPath}: weight_map.{tensor} is not a file name.");
                if (shard.Contains('/') || shard.Contains('\\') || shard is "." or "..")
                    throw new CheckpointException($"{indexPath}: weight_map.{tensor} names '{shard}' outside the model directory.");
                if (!files.TryGetValue(shard, out var file))
                    files[shard] = file = SafetensorsFile.Open(Path.Combine(directory, shard));
                if (!file.Tensors.ContainsKey(tensor))
                    throw new CheckpointException($"{indexPath}: weight_map says '{tensor}' is in {shard}, but it is not there.");
                byTensor[tensor] = file;
            }
        }
        catch
        {
            foreach (var file in files.Values) file.Dispose();
            throw;
        }
        return new CheckpointWeights(files.Values.ToList(), byTensor);
    }

    private static CheckpointWeights FromFiles(List<SafetensorsFile> files) =>
        new(files, files.SelectMany(f => f.Tensors.Keys.Select(k => (k, f))).ToDictionary(p => p.k, p => p.f, StringComparer.Ordinal));

    public bool Contains(string name) => _fileByTensor.ContainsKey(name);

    public TensorInfo Info(string name) => FileOf(name).Info(name);

    public void CopyBytes(string name, Span<byte> destination) => FileOf(name).CopyBytes(name, destination);

    public void CopyBytes(string name, long offset, Span<byte> destination) => FileOf(name).CopyBytes(name, offset, destination);

    /// <summary>Visits a tensor's bytes window by window through a memory map (see <see cref="SafetensorsFile.ReadMapped"/>).</summary>
    public void ReadMapped(string name, long windowBytes, System.Buffers.ReadOnlySpanAction<byte, long> visit) =>
        FileOf(name).ReadMapped(name, windowBytes, visit);

    /// <summary>Maps bytes [offset, offset + length) of a tensor for the duration of <paramref name="visit"/>.</summary>
    public void ReadMapped(string name, long offset, int length, System.Buffers.ReadOnlySpanAction<byte, long> visit) =>
        FileOf(name).ReadMapped(name, offset, length, visit);

    /// <summary>The file holding <paramref name="name"/> (for messages).</summary>
    public string PathOf(string name) => FileOf(name).Path;

    public byte[] ReadBytes(string name) => FileOf(name).ReadBytes(name);

    public float[] ReadFloat32(string name) => FileOf(name).ReadFloat32(name);

    /// <summary>Reads a floating-point tensor into <paramref name="destination"/> (exactly its element count), converted to float32.</summary>
    public void ReadFloat32(string name, Span<float> destination) => FileOf(name).ReadFloat32(name, destination);

    private SafetensorsFile FileOf(string name) =>
        _fileByTensor.TryGetValue(name, out var file)
            ? file
            : throw new CheckpointException($"checkpoint tensor '{name}' is missing; the weights do not match config.json's architecture.");

    public void Dispose()
    {
        foreach (var file in _files) file.Dispose();
    }
}
