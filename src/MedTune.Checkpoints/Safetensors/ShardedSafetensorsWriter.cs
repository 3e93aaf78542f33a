using System.Text.Json;
using System.Text.Json.Nodes;

namespace MedTune.Checkpoints;

/// <summary>
/// Writes a model's weights in Hugging Face's layout: one <c>model.safetensors</c>, or — above the shard size —
/// <c>model-00001-of-0000N.safetensors</c>… plus <c>model.safetensors.index.json</c> (<c>metadata.total_size</c>,
/// <c>weight_map</c> sorted by name), as <c>save_pretrained(max_shard_size=…)</c> does. Tensors are packed into
/// shards in the order given; each tensor's bytes are produced only when the writer reaches it
/// (<see cref="TensorSource"/>), so peak memory is one tensor, whatever the model's size.
/// </summary>
public static class ShardedSafetensorsWriter
{
    /// <summary>transformers' default max_shard_size ("5GB").</summary>
    public const long DefaultMaxShardBytes = 5_000_000_000;

    public static readonly IReadOnlyDictionary<string, string> PytorchMetadata = new Dictionary<string, string> { ["format"] = "pt" };

    /// <summary>The file name of shard <paramref name="index"/> (0-based) of <paramref name="count"/>.</summary>
    public static string ShardFileName(int index, int count) =>
        count == 1 ? CheckpointWeights.SingleFileName : $"model-{index + 1:D5}-of-{count:D5}.safetensors";

    /// <summary>Writes every tensor into <paramref name="directory"/>; returns the file names written (shards first, then the index).</summary>
    public static IReadOnlyList<string> Write(string directory, IReadOnlyList<TensorSource> tensors, long maxShardBytes = DefaultMaxShardBytes,
        Action<TensorSource>? written = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxShardBytes);
        Directory.CreateDirectory(directory);
        var shards = Shard(tensors, maxShardBytes);
        var files = new List<string>();
        var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < shards.Count; i++)
        {
            var fileName = ShardFileName(i, shards.Count);
            var reported = written is null ? shards[i] : shards[i].Select(t => t with { WriteData = s => { t.WriteData(s); written(t); } }).ToList();
            SafetensorsWriter.Write(Path.Combine(directory, fileName), reported, PytorchMetadata);
            foreach (var tensor in shards[i]) weightMap[tensor.Name] = fileName;
            files.Add(fileName);
        }
        if (shards.Count == 1) return files;
        var index = new JsonObject
        {
            ["metadata"] = new JsonObject { ["total_size"] = tensors.Sum(s => s.ByteCount) },
            ["weight_map"] = new JsonObject(weightMap.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))),
        };
        AtomicFile.WriteAllText(Path.Combine(directory, CheckpointWeights.IndexFileName),
            index.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        files.Add(CheckpointWeights.IndexFileName);
        return files;
    }

    /// <summary>Consecutive tensors packed into shards of at most <paramref name="maxShardBytes"/> (a larger tensor gets a shard of its own).</summary>
    public static List<List<TensorSource>> Shard(IReadOnlyList<TensorSource> tensors, long maxShardBytes)
    {
        var shards = new List<List<TensorSource>> { new() };
        long size = 0;
        foreach (var tensor in tensors)
        {
            if (size > 0 && size + tensor.ByteCount > maxShardBytes)
            {
                shards.Add([]);
                size = 0;
            }
            shards[^1].Add(tensor);
            size += tensor.ByteCount;
        }
        return shards;
    }
}
