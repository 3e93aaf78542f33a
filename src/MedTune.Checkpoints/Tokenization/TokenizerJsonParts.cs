using System.Text.Json;
using System.Text.Json.Nodes;

namespace MedTune.Checkpoints.Tokenization;

/// <summary>The parts of a Hugging Face tokenizer.json that every BPE kind shares, read with errors that name the key.</summary>
internal static class TokenizerJsonParts
{
    internal sealed record AddedToken(int Id, string Content, bool Special, bool Normalized = false, bool Lstrip = false, bool Rstrip = false, bool SingleWord = false);

    public static JsonObject ReadRoot(string path)
    {
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

    /// <summary>
    /// True for a SentencePiece-style BPE converted to tokenizer.json (Llama 2, Mistral, Gemma): model.type BPE with
    /// byte_fallback, pieces spelled with '▁' instead of byte-level characters.
    /// </summary>
    public static bool IsSentencePieceBpe(JsonObject root) =>
        root["model"] is JsonObject model
        && model["type"] is JsonValue type && type.TryGetValue<string>(out var t) && t == "BPE"
        && model["byte_fallback"] is JsonValue fallback && fallback.TryGetValue<bool>(out var b) && b;

    public static Dictionary<string, int> Vocab(JsonObject model, Func<string, string, Exception> error)
    {
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (token, id) in model["vocab"] as JsonObject ?? throw error("model.vocab", "is missing or not an object."))
            vocab[token] = id?.GetValue<int>() ?? throw error($"model.vocab.{token}", "has no id.");
        return vocab;
    }

    /// <summary>Merges as (left, right) pairs in rank order; both "a b" strings and ["a", "b"] pairs are accepted.</summary>
    public static List<(string Left, string Right)> Merges(JsonObject model, Func<string, string, Exception> error)
    {
        var merges = new List<(string, string)>();
        foreach (var merge in model["merges"] as JsonArray ?? throw error("model.merges", "is missing or not an array."))
        {
            merges.Add(merge switch
            {
                JsonValue v when v.GetValue<string>().IndexOf(' ') is var space and > 0 => (v.GetValue<string>()[..space], v.GetValue<string>()[(space + 1)..]),
                JsonArray { Count: 2 } pair => (pair[0]!.GetValue<string>(), pair[1]!.GetValue<string>()),
                _ => throw error("model.merges", $"entry {merges.Count} is neither \"a b\" nor [\"a\", \"b\"]."),
            });
        }
        return merges;
    }

    public static List<AddedToken> AddedTokens(JsonObject root, Func<string, string, Exception> error)
    {
        var added = new List<AddedToken>();
        foreach (var node in root["added_tokens"] as JsonArray ?? [])
        {
            var token = node as JsonObject ?? throw error("added_tokens", $"entry {added.Count} is not an object.");
            added.Add(new AddedToken(
                token["id"]?.GetValue<int>() ?? throw error("added_tokens", $"entry {added.Count} has no id."),
                token["content"]?.GetValue<string>() ?? throw error("added_tokens", $"entry {added.Count} has no content."),
                token["special"]?.GetValue<bool>() ?? false,
                token["normalized"]?.GetValue<bool>() ?? false,
                token["lstrip"]?.GetValue<bool>() ?? false,
                token["rstrip"]?.GetValue<bool>() ?? false,
                token["single_word"]?.GetValue<bool>() ?? false));
        }
        return added;
    }

    /// <summary>The special token a TemplateProcessing post-processor puts before a single sequence (Llama's BOS), if any.</summary>
    public static string? FindBosInPostProcessor(JsonNode? node)
    {
        switch (node?["type"]?.GetValue<string>())
        {
            case "TemplateProcessing":
                return node["single"] is JsonArray { Count: > 0 } single ? single[0]?["SpecialToken"]?["id"]?.GetValue<string>() : null;
            case "Sequence":
                foreach (var step in node["processors"] as JsonArray ?? [])
                {
                    if (FindBosInPostProcessor(step) is { } bos) return bos;
                }
                return null;
            default:
                return null;
        }
    }
}
