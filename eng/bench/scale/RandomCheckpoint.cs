using System.Buffers.Binary;
using System.Text.Json.Nodes;
using MedTune.Checkpoints;
using MedTune.Checkpoints.Tokenization;
using MedTune.Models;

namespace MedTune.Bench.Scale;

/// <summary>
/// Writes a seeded-random bf16 checkpoint with a config's exact parameter names and shapes as Hugging Face shards,
/// one tensor at a time (never the model in memory), plus the builtin tokenizer of the family. Weights are uniform
/// with the standard deviation of HF's init (0.02); norms are 1, biases 0.
/// </summary>
public static class RandomCheckpoint
{
    public static long Write(JsonObject configJson, string tokenizerFamily, string directory, int seed)
    {
        var tokenizer = Path.Combine(directory + ".tokenizer");
        BuiltinTokenizers.Write(tokenizerFamily, tokenizer);
        try
        {
            var config = ModelConfig.Parse(configJson.ToJsonString(), "bench config");
            var sources = ParameterLayout.For(config)
                .Select(p => new TensorSource(p.Name, TensorDType.BF16, p.Shape, stream => Fill(stream, p.Name, p.ElementCount, seed)))
                .ToList();
            ShardedSafetensorsWriter.Write(directory, sources, maxShardBytes: 2_000_000_000);
            CheckpointSaver.WriteCompanionFiles(config, tokenizer, directory);
            return sources.Sum(s => s.ByteCount);
        }
        finally
        {
            Directory.Delete(tokenizer, recursive: true);
        }
    }

    private static void Fill(Stream stream, string name, long count, int seed)
    {
        var isNorm = name.Contains("norm", StringComparison.Ordinal) || name.Contains("layernorm", StringComparison.Ordinal);
        var isBias = name.EndsWith(".bias", StringComparison.Ordinal);
        var state = 14695981039346656037UL ^ (ulong)(uint)seed; // FNV-1a over the name: the same bytes in every process
        foreach (var ch in name) state = (state ^ ch) * 1099511628211UL;
        if (state == 0) state = 1;
        const float Bound = 0.0346410162f; // uniform(-b, b) has std b/√3 = 0.02
        var buffer = new byte[1 << 20];
        for (long done = 0; done < count;)
        {
            var n = (int)Math.Min(buffer.Length / 2, count - done);
            for (var i = 0; i < n; i++)
            {
                float value;
                if (isBias && !isNorm) value = 0f;
                else if (isNorm) value = isBias ? 0f : 1f;
                else
                {
                    state ^= state << 13; state ^= state >> 7; state ^= state << 17;
                    value = ((state >> 40) / (float)(1 << 24) * 2f - 1f) * Bound;
                }
                BinaryPrimitives.WriteUInt16LittleEndian(buffer.AsSpan(2 * i), (ushort)(BitConverter.SingleToUInt32Bits(value) >> 16));
            }
            stream.Write(buffer, 0, 2 * n);
            done += n;
        }
    }
}
