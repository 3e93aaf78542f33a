using System.Text.Json;
using System.Text.Json.Nodes;

namespace MedTune.Checkpoints.Tokenization;

/// <summary>
/// What the JSON files beside a tokenizer say about special tokens: token strings from tokenizer_config.json (falling
/// back to special_tokens_map.json) and ids from generation_config.json and config.json.
/// </summary>
internal sealed record TokenizerConfigFiles
{
    public const string TokenizerConfig = "tokenizer_config.json";
    public const string SpecialTokensMap = "special_tokens_map.json";
    public const string GenerationConfig = "generation_config.json";
    public const string ModelConfig = "config.json";

    public bool? AddBosToken { get; init; }
    public string? BosToken { get; init; }
    public string? EosToken { get; init; }
    public string? PadToken { get; init; }
    /// <summary>BOS ids from generation_config.json then config.json.</summary>
    public IReadOnlyList<int> BosIds { get; init; } = [];
    /// <summary>EOS ids from generation_config.json then config.json (each may hold a list, as Llama 3 does).</summary>
    public IReadOnlyList<int> EosIds { get; init; } = [];
    public IReadOnlyList<int> PadIds { get; init; } = [];
    /// <summary>Where each token string came from, for error messages.</summary>
    public IReadOnlyDictionary<string, string> TokenSources { get; init; } = new Dictionary<string, string>();

    public static TokenizerConfigFiles Read(string directory)
    {
        var tokenizerConfig = ReadObject(directory, TokenizerConfig);
        var specialTokensMap = ReadObject(directory, SpecialTokensMap);
        var generationConfig = ReadObject(directory, GenerationConfig);
        var modelConfig = ReadObject(directory, ModelConfig);
        var sources = new Dictionary<string, string>();

        string? Token(string key)
        {
            foreach (var (name, json) in new[] { (TokenizerConfig, tokenizerConfig), (SpecialTokensMap, specialTokensMap) })
            {
                if (json?[key] is not { } node) continue;
                var value = node switch
                {
                    JsonValue v when v.TryGetValue<string>(out var s) => s,
                    JsonObject o when o["content"] is JsonValue c && c.TryGetValue<string>(out var s) => s,
                    _ => throw new CheckpointException($"{Path.Combine(directory, name)}: '{key}' must be a string or an object with \"content\"."),
                };
                sources[key] = Path.Combine(directory, name);
                return value;
            }
            return null;
        }

        List<int> Ids(string key)
        {
            var ids = new List<int>();
            foreach (var (name, json) in new[] { (GenerationConfig, generationConfig), (ModelConfig, modelConfig) })
            {
                switch (json?[key])
                {
                    case null:
                        break;
                    case JsonValue v when v.TryGetValue<int>(out var id):
                        ids.Add(id);
                        break;
                    case JsonArray array:
                        foreach (var item in array)
                        {
                            if (item is JsonValue iv && iv.TryGetValue<int>(out var itemId)) ids.Add(itemId);
                            else throw new CheckpointException($"{Path.Combine(directory, name)}: '{key}' must hold integers.");
                        }
                        break;
                    default:
                        throw new CheckpointException($"{Path.Combine(directory, name)}: '{key}' must be an integer or a list of integers.");
                }
            }
            return ids;
        }

        bool? addBos = null;
        if (tokenizerConfig?["add_bos_token"] is { } addBosNode)
        {
            addBos = addBosNode is JsonValue bv && bv.TryGetValue<bool>(out var b) ? b
                : throw new CheckpointException($"{Path.Combine(directory, TokenizerConfig)}: 'add_bos_token' must be true or false.");
        }

        return new TokenizerConfigFiles
        {
            AddBosToken = addBos,
            BosToken = Token("bos_token"),
            EosToken = Token("eos_token"),
            PadToken = Token("pad_token"),
            BosIds = Ids("bos_token_id"),
            EosIds = Ids("eos_token_id"),
            PadIds = Ids("pad_token_id"),
            TokenSources = sources,
        };
    }

    private static JsonObject? ReadObject(string directory, string name)
    {
        var path = Path.Combine(directory, name);
        if (!File.Exists(path)) return null;
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new CheckpointException($"{path}: expected a JSON object at the top level.");
        }
        catch (JsonException e)
        {
            throw new CheckpointException($"{path}: malformed JSON at line {e.LineNumber + 1}: {e.Message}", e);
        }
    }
}
