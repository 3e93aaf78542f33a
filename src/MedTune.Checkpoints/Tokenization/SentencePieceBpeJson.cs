using System.Text.Json.Nodes;

namespace MedTune.Checkpoints.Tokenization;

/// <summary>
/// The fields of a SentencePiece-style BPE tokenizer.json that <see cref="SentencePieceBpeBackend"/> applies, validated
/// with errors that name the key. Anything HF would do differently from what is read here is refused by name.
/// </summary>
internal sealed class SentencePieceBpeJson
{
    public required string Path { get; init; }
    public required Dictionary<string, int> Vocab { get; init; }
    public required List<(string Left, string Right)> Merges { get; init; }
    public required List<TokenizerJsonParts.AddedToken> AddedTokens { get; init; }
    public required IReadOnlyList<Func<string, string>> Normalizers { get; init; }
    public required ISentencePiecePreTokenizer PreTokenizer { get; init; }
    public int? UnknownId { get; init; }
    public bool FuseUnknown { get; init; }
    public bool IgnoreMerges { get; init; }
    public required SentencePieceDecoder Decoder { get; init; }
    public required SpecialTokenDefaults Defaults { get; init; }

    public static SentencePieceBpeJson Read(string path)
    {
        var root = TokenizerJsonParts.ReadRoot(path);
        Exception Error(string key, string problem) => new CheckpointException($"{path}: '{key}' {problem}");

        var model = root["model"] as JsonObject ?? throw Error("model", "is missing; this is not a Hugging Face tokenizer.json.");
        if (!TokenizerJsonParts.IsSentencePieceBpe(root))
            throw Error("model", "is not a BPE model with byte_fallback: true.");
        if (model["dropout"] is JsonValue dropout && dropout.GetValue<double>() is not 0.0)
            throw Error("model.dropout", "is set; BPE dropout makes encoding random. Set it to null.");
        foreach (var key in new[] { "continuing_subword_prefix", "end_of_word_suffix" })
        {
            if (model[key] is JsonValue v && v.GetValue<string>() is { Length: > 0 })
                throw Error($"model.{key}", "is set; SentencePiece-style BPE has none.");
        }

        var vocab = TokenizerJsonParts.Vocab(model, Error);
        var added = TokenizerJsonParts.AddedTokens(root, Error);
        var normalizers = ReadNormalizer(root["normalizer"], "normalizer", Error);
        foreach (var token in added)
        {
            if (token.Lstrip || token.Rstrip || token.SingleWord)
                throw Error("added_tokens", $"token '{token.Content}' sets lstrip, rstrip or single_word, which medtune does not apply to SentencePiece-style tokenizers.");
            if (token.Normalized && normalizers.Count > 0)
                throw Error("added_tokens", $"token '{token.Content}' has normalized: true; medtune matches added tokens in the raw text only. Set it to false.");
        }
        var tokens = new Dictionary<string, int>(vocab, StringComparer.Ordinal);
        foreach (var a in added) tokens[a.Content] = a.Id;

        int? unknownId = null;
        if (model["unk_token"] is JsonValue unk && unk.GetValue<string>() is { } unkToken)
            unknownId = tokens.TryGetValue(unkToken, out var id) ? id : throw Error("model.unk_token", $"'{unkToken}' is not in the vocabulary.");
        var bos = TokenizerJsonParts.FindBosInPostProcessor(root["post_processor"]);
        return new SentencePieceBpeJson
        {
            Path = path,
            Vocab = vocab,
            Merges = TokenizerJsonParts.Merges(model, Error),
            AddedTokens = added,
            Normalizers = normalizers,
            PreTokenizer = ReadPreTokenizer(root["pre_tokenizer"], Error),
            UnknownId = unknownId,
            FuseUnknown = model["fuse_unk"]?.GetValue<bool>() ?? false,
            IgnoreMerges = model["ignore_merges"]?.GetValue<bool>() ?? false,
            Decoder = ReadDecoder(root["decoder"], Error),
            Defaults = new SpecialTokenDefaults(
                AddBos: bos is not null,
                BosId: bos is not null && tokens.TryGetValue(bos, out var bosId) ? bosId : null,
                EosId: null,
                PadId: null),
        };
    }

    private static List<Func<string, string>> ReadNormalizer(JsonNode? node, string key, Func<string, string, Exception> error)
    {
        if (node is null) return [];
        var type = node["type"]?.GetValue<string>();
        switch (type)
        {
            case "Sequence":
                var steps = new List<Func<string, string>>();
                var list = node["normalizers"] as JsonArray ?? throw error($"{key}.normalizers", "is missing.");
                for (var i = 0; i < list.Count; i++) steps.AddRange(ReadNormalizer(list[i], $"{key}.normalizers[{i}]", error));
                return steps;
            case "Prepend":
                var prefix = node["prepend"]?.GetValue<string>() ?? throw error($"{key}.prepend", "is missing.");
                return [s => s.Length == 0 ? s : prefix + s];
            case "Replace":
                var pattern = node["pattern"]?["String"]?.GetValue<string>()
                    ?? throw error($"{key}.pattern", "must be {\"String\": ...}; medtune does not apply regex replacements.");
                var content = node["content"]?.GetValue<string>() ?? throw error($"{key}.content", "is missing.");
                if (pattern.Length == 0) throw error($"{key}.pattern", "is empty.");
                return [s => s.Replace(pattern, content, StringComparison.Ordinal)];
            case "Precompiled":
                var charsMap = node["precompiled_charsmap"]?.GetValue<string>();
                if (string.IsNullOrEmpty(charsMap)) return [];
                var map = PrecompiledCharsMap.Parse(Convert.FromBase64String(charsMap), $"{key}.precompiled_charsmap");
                return [map.NormalizeGraphemes];
            default:
                throw error(key, $"of type '{type ?? "(none)"}' is not supported for SentencePiece-style BPE (Prepend, Replace, Precompiled or a Sequence of them).");
        }
    }

    private static ISentencePiecePreTokenizer ReadPreTokenizer(JsonNode? node, Func<string, string, Exception> error)
    {
        if (node is null) return new WholeSegment();
        var type = node["type"]?.GetValue<string>();
        switch (type)
        {
            case "Metaspace":
                var replacement = node["replacement"]?.GetValue<string>() ?? "▁";
                if (replacement.Length != 1) throw error("pre_tokenizer.replacement", "must be one character.");
                var scheme = node["prepend_scheme"]?.GetValue<string>() switch
                {
                    "always" => PrependScheme.Always,
                    "first" => PrependScheme.First,
                    "never" => PrependScheme.Never,
                    null => node["add_prefix_space"]?.GetValue<bool>() == false ? PrependScheme.Never : PrependScheme.Always,
                    var other => throw error("pre_tokenizer.prepend_scheme", $"is '{other}'; expected always, first or never."),
                };
                return new Metaspace(replacement[0], scheme, node["split"]?.GetValue<bool>() ?? true);
            case "Split" when IsWholeTextSplit(node):
                return new WholeSegment();
            case "Split":
                var pattern = node["pattern"]?["String"]?.GetValue<string>()
                    ?? throw error("pre_tokenizer.pattern", "must be {\"String\": ...} for SentencePiece-style BPE.");
                if (node["invert"]?.GetValue<bool>() == true) throw error("pre_tokenizer.invert", "is true, which medtune does not support.");
                var behavior = node["behavior"]?.GetValue<string>() switch
                {
                    "Removed" => SplitBehavior.Removed,
                    "Isolated" => SplitBehavior.Isolated,
                    "MergedWithPrevious" => SplitBehavior.MergedWithPrevious,
                    "MergedWithNext" => SplitBehavior.MergedWithNext,
                    var other => throw error("pre_tokenizer.behavior", $"is '{other}'; expected Removed, Isolated, MergedWithPrevious or MergedWithNext."),
                };
                return new StringSplitPreTokenizer(pattern, behavior);
            default:
                throw error("pre_tokenizer", $"of type '{type}' is not supported for SentencePiece-style BPE (none, Metaspace or a String Split).");
        }
    }

    /// <summary>The regex that matches a whole text, as <see cref="SentencePieceTokenizerJson"/> writes it: a Split that splits nothing.</summary>
    internal const string WholeTextRegex = @"[\s\S]+";

    private static bool IsWholeTextSplit(JsonNode node) =>
        node["pattern"]?["Regex"]?.GetValue<string>() == WholeTextRegex && node["invert"]?.GetValue<bool>() != true;

    /// <summary>
    /// Checks the decoder is SentencePiece's: a Sequence of Replace '▁'→' ', ByteFallback, Fuse and a Strip of one
    /// leading space, or Metaspace (which strips the first token's leading space and leaves byte tokens as text).
    /// </summary>
    private static SentencePieceDecoder ReadDecoder(JsonNode? node, Func<string, string, Exception> error)
    {
        var type = node?["type"]?.GetValue<string>();
        if (type == "Metaspace")
        {
            if (node!["replacement"]?.GetValue<string>() is { } r && r != "▁") throw error("decoder.replacement", $"is '{r}'; medtune decodes '▁' only.");
            var strip = node["prepend_scheme"]?.GetValue<string>() is not "never" && node["add_prefix_space"]?.GetValue<bool>() != false;
            return new SentencePieceDecoder(ByteFallback: false, StripsLeadingSpace: strip, StripsPerFirstToken: true);
        }
        if (type != "Sequence" || node!["decoders"] is not JsonArray steps)
            throw error("decoder", $"of type '{type ?? "(none)"}' is not supported; expected Sequence[Replace('▁', ' '), ByteFallback, Fuse, Strip] or Metaspace.");
        bool strips = false, byteFallback = false, replaces = false;
        for (var i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            switch (step?["type"]?.GetValue<string>())
            {
                case "Replace" when IsMetaspaceReplace(step) && !byteFallback:
                    replaces = true;
                    break;
                case "ByteFallback":
                    byteFallback = true;
                    break;
                case "Fuse" when i == steps.Count - 1 || TypeOf(steps[i + 1]) == "Strip":
                    break;
                case "Strip" when IsLeadingSpaceStrip(step) && i > 0 && TypeOf(steps[i - 1]) == "Fuse":
                    strips = step["start"]!.GetValue<int>() == 1;
                    break;
                default:
                    throw error($"decoder.decoders[{i}]", $"({step?.ToJsonString()}) is not supported here; expected Replace('▁', ' '), ByteFallback, Fuse, Strip(' ', 0|1, 0), in that order.");
            }
        }
        if (!replaces) throw error("decoder", "has no Replace('▁', ' '); medtune decodes SentencePiece pieces with it.");
        return new SentencePieceDecoder(byteFallback, strips, StripsPerFirstToken: false);
    }

    private static string? TypeOf(JsonNode? step) => step?["type"]?.GetValue<string>();

    private static bool IsMetaspaceReplace(JsonNode step)
    {
        var pattern = step["pattern"]?["String"]?.GetValue<string>();
        return pattern == "▁" && step["content"]?.GetValue<string>() == " ";
    }

    private static bool IsLeadingSpaceStrip(JsonNode step)
    {
        var start = step["start"]?.GetValue<int>();
        return step["content"]?.GetValue<string>() == " " && step["stop"]?.GetValue<int>() == 0 && start is 0 or 1;
    }
}

/// <summary>
/// What a SentencePiece-style tokenizer.json decoder does after '▁' becomes ' ': whether runs of &lt;0xNN&gt; tokens become
/// their bytes (ByteFallback: U+FFFD per byte when the run is not UTF-8) and whether one leading space is dropped from
/// the whole text (Strip after Fuse) or from the first token (Metaspace).
/// </summary>
internal sealed record SentencePieceDecoder(bool ByteFallback, bool StripsLeadingSpace, bool StripsPerFirstToken);
