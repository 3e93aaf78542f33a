using System.Text.Json;
using System.Text.Json.Nodes;
using MedTune.Checkpoints;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MedTune.Models;

/// <summary>
/// Writes a model as a Hugging Face directory: config.json, generation_config.json, safetensors weights in the
/// config's torch_dtype (sharded with model.safetensors.index.json above <c>maxShardBytes</c>), and the tokenizer
/// files. The directory is assembled beside the target and renamed into place, so readers never see half of it.
/// </summary>
public static class CheckpointSaver
{
    /// <summary>transformers' default max_shard_size ("5GB").</summary>
    public const long DefaultMaxShardBytes = ShardedSafetensorsWriter.DefaultMaxShardBytes;

    /// <summary>Tokenizer files copied from the source directory when present.</summary>
    public static readonly IReadOnlyList<string> TokenizerFileNames =
    [
        "tokenizer.json", "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json",
        "added_tokens.json", "vocab.json", "merges.txt", "spiece.model",
    ];

    public static void Save(CausalLanguageModel model, string directory, string? tokenizerSourceDirectory, long maxShardBytes = DefaultMaxShardBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxShardBytes);
        var parameters = model.named_parameters().ToList();
        if (parameters.FirstOrDefault(p => p.name.Contains(".adapter.")) is { name: not null } adapter)
            throw new InvalidOperationException($"parameter '{adapter.name}' belongs to an adapter; merge the adapters into the weights (or remove them) before saving a base checkpoint.");

        var target = Path.GetFullPath(directory);
        var staging = $"{target}.saving-{Guid.NewGuid():N}";
        Directory.CreateDirectory(staging);
        try
        {
            WriteWeights(parameters, TensorDTypes.FromTorchDtype(model.Config.TorchDtype), staging, maxShardBytes);
            WriteCompanionFiles(model.Config, tokenizerSourceDirectory, staging);
            ReplaceDirectory(staging, target);
        }
        catch
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
            throw;
        }
    }

    private static void WriteWeights(List<(string name, Parameter parameter)> parameters, TensorDType dtype, string directory, long maxShardBytes)
    {
        var sources = parameters.Select(p => new TensorSource(p.name, dtype, p.parameter.shape, stream => WriteTensor(p.parameter, dtype, stream))).ToList();
        ShardedSafetensorsWriter.Write(directory, sources, maxShardBytes);
    }

    private static void WriteTensor(Tensor parameter, TensorDType dtype, Stream stream) => CheckpointTensors.Write(parameter, dtype, stream);

    /// <summary>config.json, the tokenizer files and generation_config.json: everything of a model directory but its weights.</summary>
    public static void WriteCompanionFiles(ModelConfig config, string? tokenizerSourceDirectory, string directory)
    {
        File.WriteAllText(Path.Combine(directory, "config.json"), config.ToJson());
        CopyTokenizerFiles(tokenizerSourceDirectory, directory);
        WriteGenerationConfig(config, tokenizerSourceDirectory, directory);
    }

    private static void CopyTokenizerFiles(string? source, string destination)
    {
        if (source is null) return;
        if (!Directory.Exists(source))
            throw new CheckpointException($"{source}: tokenizer directory not found.");
        foreach (var name in TokenizerFileNames.Where(n => File.Exists(Path.Combine(source, n))))
            File.Copy(Path.Combine(source, name), Path.Combine(destination, name));
    }

    /// <summary>The source's generation_config.json if it has one, else one derived from config.json's special tokens.</summary>
    private static void WriteGenerationConfig(ModelConfig config, string? source, string destination)
    {
        var path = Path.Combine(destination, "generation_config.json");
        if (source is not null && File.Exists(Path.Combine(source, "generation_config.json")))
        {
            File.Copy(Path.Combine(source, "generation_config.json"), path);
            return;
        }
        var generation = new JsonObject { ["_from_model_config"] = true };
        foreach (var key in new[] { "bos_token_id", "eos_token_id", "pad_token_id" })
            if (config.Json[key] is { } value && value.GetValueKind() != JsonValueKind.Null)
                generation[key] = value.DeepClone();
        WriteJson(path, generation);
    }

    private static void WriteJson(string path, JsonNode node) =>
        File.WriteAllText(path, node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");

    /// <summary>Renames <paramref name="staging"/> to <paramref name="target"/>, replacing an existing directory.</summary>
    public static void ReplaceDirectory(string staging, string target)
    {
        if (!Directory.Exists(target))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            Directory.Move(staging, target);
            return;
        }
        var previous = $"{target}.replaced-{Guid.NewGuid():N}";
        Directory.Move(target, previous);
        Directory.Move(staging, target);
        Directory.Delete(previous, recursive: true);
    }
}
