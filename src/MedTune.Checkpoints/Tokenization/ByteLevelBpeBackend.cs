using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace MedTune.Checkpoints.Tokenization;

/// <summary>
/// A Hugging Face <c>tokenizer.json</c> with a byte-level BPE model (GPT-NeoX/OpenCALM, Llama 3, Qwen). Added tokens
/// and pre-tokenisation are handled here exactly as HF tokenizers does; ML.Tokenizers' BpeTokenizer applies the merges
/// to each word.
/// </summary>
internal sealed class ByteLevelBpeBackend : ITokenizerBackend
{
    private readonly BpeTokenizer _bpe;
    private readonly Dictionary<string, int> _vocab;
    private readonly Dictionary<string, int> _addedTokens;
    private readonly AddedTokenSplitter _addedTokenSplitter;
    private readonly IWordSplitter _wordSplitter;
    private readonly bool _addPrefixSpace;
    private readonly bool _normalizeNfc;
    private readonly bool _ignoreMerges;
    private readonly byte[][] _tokenBytes;

    private ByteLevelBpeBackend(TokenizerJson json)
    {
        _vocab = json.Vocab;
        _addedTokens = json.AddedTokens.ToDictionary(t => t.Content, t => t.Id, StringComparer.Ordinal);
        _addedTokenSplitter = new AddedTokenSplitter(_addedTokens);
        _wordSplitter = json.WordSplitter;
        _addPrefixSpace = json.AddPrefixSpace;
        _normalizeNfc = json.NormalizeNfc;
        _ignoreMerges = json.IgnoreMerges;
        Defaults = json.Defaults;
        _bpe = BpeTokenizer.Create(new BpeOptions(json.Vocab) { Merges = json.Merges, ByteLevel = true });

        VocabSize = Math.Max(_vocab.Count == 0 ? 0 : _vocab.Values.Max() + 1, json.AddedTokens.Count == 0 ? 0 : json.AddedTokens.Max(t => t.Id) + 1);
        _tokenBytes = new byte[VocabSize][];
        foreach (var (token, id) in _vocab) _tokenBytes[id] = ByteLevelAlphabet.Decode(token) ?? Encoding.UTF8.GetBytes(token);
        foreach (var added in json.AddedTokens) _tokenBytes[added.Id] = added.Special ? [] : Encoding.UTF8.GetBytes(added.Content);
        for (var i = 0; i < VocabSize; i++) _tokenBytes[i] ??= [];
    }

    public static ByteLevelBpeBackend Load(string path) => new(TokenizerJson.Read(path));

    public int VocabSize { get; }

    public bool StripsLeadingSpace => false;

    public SpecialTokenDefaults Defaults { get; }

    public int? TokenToId(string token) =>
        _addedTokens.TryGetValue(token, out var added) ? added
        : _vocab.TryGetValue(token, out var id) ? id
        : null;

    public ReadOnlySpan<byte> TokenBytes(int id) => _tokenBytes[id];

    public IReadOnlyList<int> Encode(string text)
    {
        if (_normalizeNfc) text = text.Normalize(NormalizationForm.FormC);
        var ids = new List<int>();
        foreach (var (range, addedId) in _addedTokenSplitter.Split(text))
        {
            if (addedId is { } id)
            {
                ids.Add(id);
                continue;
            }
            var segment = text[range];
            if (_addPrefixSpace && !segment.StartsWith(' ')) segment = " " + segment;
            foreach (var word in _wordSplitter.Split(segment)) EncodeWord(segment[word], ids);
        }
        return ids;
    }

    private void EncodeWord(string word, List<int> ids)
    {
        if (_ignoreMerges && _vocab.TryGetValue(ByteLevelAlphabet.Encode(Encoding.UTF8.GetBytes(word)), out var whole))
        {
            ids.Add(whole);
            return;
        }
        ids.AddRange(_bpe.EncodeToIds(word, considerPreTokenization: false, considerNormalization: false));
    }

    internal sealed record AddedToken(int Id, string Content, bool Special);

    /// <summary>The fields of tokenizer.json this backend understands, validated with errors that name the key.</summary>
    private sealed class TokenizerJson
    {
        public required Dictionary<string, int> Vocab { get; init; }
        public required List<string> Merges { get; init; }
        public required List<AddedToken> AddedTokens { get; init; }
        public required IWordSplitter WordSplitter { get; init; }
        public bool AddPrefixSpace { get; init; }
        public bool NormalizeNfc { get; init; }
        public bool IgnoreMerges { get; init; }
        public required SpecialTokenDefaults Defaults { get; init; }

        public static TokenizerJson Read(string path)
        {
            var root = TokenizerJsonParts.ReadRoot(path);
            Exception Error(string key, string problem) =>
                new CheckpointException($"{path}: '{key}' {problem}");

            var model = root["model"] as JsonObject ?? throw Error("model", "is missing; this is not a Hugging Face tokenizer.json.");
            var type = model["type"]?.GetValue<string>();
            if (type != "BPE")
                throw Error("model.type", $"is '{type ?? "(none)"}'; medtune reads byte-level BPE tokenizer.json files. For a SentencePiece model provide tokenizer.model instead.");
            if (model["byte_fallback"]?.GetValue<bool>() == true)
                throw Error("model.byte_fallback", "is true: this is a SentencePiece-style BPE, read by SentencePieceBpeBackend, not as byte-level BPE.");

            var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var (token, id) in model["vocab"] as JsonObject ?? throw Error("model.vocab", "is missing or not an object."))
                vocab[token] = id?.GetValue<int>() ?? throw Error($"model.vocab.{token}", "has no id.");

            var merges = new List<string>();
            foreach (var merge in model["merges"] as JsonArray ?? throw Error("model.merges", "is missing or not an array."))
            {
                merges.Add(merge switch
                {
                    JsonValue v => v.GetValue<string>(),
                    JsonArray { Count: 2 } pair => pair[0]!.GetValue<string>() + " " + pair[1]!.GetValue<string>(),
                    _ => throw Error("model.merges", $"entry {merges.Count} is neither \"a b\" nor [\"a\", \"b\"]."),
                });
            }

            var added = new List<AddedToken>();
            foreach (var node in root["added_tokens"] as JsonArray ?? [])
            {
                var token = node as JsonObject ?? throw Error("added_tokens", $"entry {added.Count} is not an object.");
                added.Add(new AddedToken(
                    token["id"]?.GetValue<int>() ?? throw Error("added_tokens", $"entry {added.Count} has no id."),
                    token["content"]?.GetValue<string>() ?? throw Error("added_tokens", $"entry {added.Count} has no content."),
                    token["special"]?.GetValue<bool>() ?? false));
            }

            var (splitter, addPrefixSpace) = ReadPreTokenizer(root["pre_tokenizer"], Error);
            var tokens = new Dictionary<string, int>(vocab, StringComparer.Ordinal);
            foreach (var a in added) tokens[a.Content] = a.Id;
            var bos = TokenizerJsonParts.FindBosInPostProcessor(root["post_processor"]);
            return new TokenizerJson
            {
                Vocab = vocab,
                Merges = merges,
                AddedTokens = added,
                WordSplitter = splitter,
                AddPrefixSpace = addPrefixSpace,
                NormalizeNfc = ReadNormalizer(root["normalizer"], Error) && UnicodeNormalization.Require(path, "normalizer NFC"),
                IgnoreMerges = model["ignore_merges"]?.GetValue<bool>() ?? false,
                Defaults = new SpecialTokenDefaults(
                    AddBos: bos is not null,
                    BosId: bos is not null && tokens.TryGetValue(bos, out var bosId) ? bosId : null,
                    EosId: null,
                    PadId: null),
            };
        }

        private static bool ReadNormalizer(JsonNode? normalizer, Func<string, string, Exception> error)
        {
            if (normalizer is null) return false;
            var type = normalizer["type"]?.GetValue<string>();
            if (type == "NFC") return true;
            if (type == "Sequence" && normalizer["normalizers"] is JsonArray { Count: 0 }) return false;
            throw error("normalizer", $"of type '{type}' is not supported; medtune supports none or NFC for byte-level BPE.");
        }

        private static (IWordSplitter Splitter, bool AddPrefixSpace) ReadPreTokenizer(JsonNode? node, Func<string, string, Exception> error)
        {
            var type = node?["type"]?.GetValue<string>();
            if (type == "ByteLevel")
            {
                var useRegex = node!["use_regex"]?.GetValue<bool>() ?? true;
                if (!useRegex) throw error("pre_tokenizer.use_regex", "is false without a Split before it; there is no word splitting to apply.");
                return (new Gpt2WordSplitter(), node["add_prefix_space"]?.GetValue<bool>() ?? false);
            }
            if (type == "Sequence" && node!["pretokenizers"] is JsonArray { Count: 2 } steps
                && steps[0]?["type"]?.GetValue<string>() == "Split" && steps[1]?["type"]?.GetValue<string>() == "ByteLevel")
            {
                var split = steps[0]!;
                var pattern = split["pattern"]?["Regex"]?.GetValue<string>()
                    ?? throw error("pre_tokenizer.pretokenizers[0].pattern", "must be {\"Regex\": ...}.");
                if (split["behavior"]?.GetValue<string>() != "Isolated" || split["invert"]?.GetValue<bool>() == true)
                    throw error("pre_tokenizer.pretokenizers[0]", "must be a Split with behavior Isolated and invert false.");
                if (steps[1]!["use_regex"]?.GetValue<bool>() == true)
                    throw error("pre_tokenizer.pretokenizers[1].use_regex", "is true after a Split; only one word splitting step is supported.");
                return (new RegexWordSplitter(new Regex(pattern, RegexOptions.CultureInvariant)), steps[1]!["add_prefix_space"]?.GetValue<bool>() ?? false);
            }
            throw error("pre_tokenizer", $"of type '{type ?? "(none)"}' is not supported; medtune reads byte-level BPE (ByteLevel, or Split + ByteLevel).");
        }
    }
}
