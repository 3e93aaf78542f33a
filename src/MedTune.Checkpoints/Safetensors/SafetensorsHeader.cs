using System.Text.Json;

namespace MedTune.Checkpoints;

/// <summary>
/// Parses and validates a safetensors header before anything is allocated for the tensors: size cap,
/// JSON shape, known dtypes, byte counts equal to shape × element size, offsets inside the data section,
/// no overlaps and no gaps (the format requires the data section to be fully covered).
/// </summary>
internal static class SafetensorsHeader
{
    /// <summary>Real headers are a few hundred KB even for 70B models; the format's own reference limit is 100 MB.</summary>
    public const long MaxHeaderBytes = 100L * 1024 * 1024;

    public static (IReadOnlyDictionary<string, TensorInfo> Tensors, IReadOnlyDictionary<string, string> Metadata) Parse(
        ReadOnlySpan<byte> json, long dataLength, string path)
    {
        if (!System.Text.Unicode.Utf8.IsValid(json))
            throw Corrupt(path, "header is not valid UTF-8 text");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw Corrupt(path, $"header is not valid JSON ({JsonLineErrors.Reason(e)})");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw Corrupt(path, "header is not a JSON object");
            var tensors = new Dictionary<string, TensorInfo>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                    ReadMetadata(property.Value, metadata, path);
                else if (!tensors.TryAdd(property.Name, ReadTensor(property.Name, property.Value, dataLength, path)))
                    throw Corrupt(path, $"tensor '{property.Name}' is listed twice");
            }
            CheckCoverage(tensors.Values, dataLength, path);
            return (tensors, metadata);
        }
    }

    private static void ReadMetadata(JsonElement element, Dictionary<string, string> metadata, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw Corrupt(path, "__metadata__ is not an object of strings");
        foreach (var entry in element.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
                throw Corrupt(path, $"__metadata__.{entry.Name} is not a string");
            metadata[entry.Name] = entry.Value.GetString()!;
        }
    }

    private static TensorInfo ReadTensor(string name, JsonElement element, long dataLength, string path)
    {
        if (element.ValueKind != JsonValueKind.Object
            || !element.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String
            || !element.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array
            || !element.TryGetProperty("data_offsets", out var offsetsElement) || offsetsElement.ValueKind != JsonValueKind.Array
            || offsetsElement.GetArrayLength() != 2)
            throw Corrupt(path, $"tensor '{name}' needs dtype (string), shape (array) and data_offsets ([begin, end])");
        if (!TensorDTypes.TryParse(dtypeElement.GetString()!, out var dtype))
            throw Corrupt(path, $"tensor '{name}' has unknown dtype '{dtypeElement.GetString()}'");
        var shape = shapeElement.EnumerateArray().Select(d => d.TryGetInt64(out var v) && v >= 0
            ? v : throw Corrupt(path, $"tensor '{name}' has an invalid dimension {d}")).ToArray();
        var begin = ReadOffset(offsetsElement[0], name, path);
        var end = ReadOffset(offsetsElement[1], name, path);
        if (begin > end || end > dataLength)
            throw Corrupt(path, $"tensor '{name}' data_offsets [{begin}, {end}] fall outside the {dataLength}-byte data section (truncated file?)");
        long elements;
        try { elements = shape.Aggregate(1L, (a, b) => checked(a * b)); }
        catch (OverflowException) { throw Corrupt(path, $"tensor '{name}' shape overflows"); }
        if (elements > long.MaxValue / dtype.ElementSize() || elements * dtype.ElementSize() != end - begin)
            throw Corrupt(path, $"tensor '{name}' holds {end - begin} bytes but shape [{string.Join(", ", shape)}] of {dtype} needs {elements * dtype.ElementSize()}");
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    private static long ReadOffset(JsonElement element, string name, string path) =>
        element.TryGetInt64(out var value) && value >= 0
            ? value
            : throw Corrupt(path, $"tensor '{name}' has an invalid data offset {element}");

    private static void CheckCoverage(IEnumerable<TensorInfo> tensors, long dataLength, string path)
    {
        long expected = 0;
        foreach (var tensor in tensors.Where(t => t.ByteCount > 0).OrderBy(t => t.Begin))
        {
            if (tensor.Begin < expected)
                throw Corrupt(path, $"tensor '{tensor.Name}' overlaps the tensor before it");
            if (tensor.Begin > expected)
                throw Corrupt(path, $"bytes [{expected}, {tensor.Begin}) before tensor '{tensor.Name}' belong to no tensor");
            expected = tensor.End;
        }
        if (expected != dataLength)
            throw Corrupt(path, $"the data section is {dataLength} bytes but the tensors cover {expected}");
    }

    public static CheckpointException Corrupt(string path, string problem) =>
        new($"{path}: not a valid safetensors file: {problem}. Re-export or re-download the checkpoint.");
}
