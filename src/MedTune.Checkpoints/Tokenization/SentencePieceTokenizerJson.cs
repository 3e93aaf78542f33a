using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MedTune.Checkpoints.Tokenization;

/// <summary>
/// Writes the Hugging Face <c>tokenizer.json</c> of a SentencePiece BPE <c>tokenizer.model</c> (Llama 2 style: byte
/// fallback, no precompiled map), as transformers' LlamaConverter does, so that readers of tokenizer.json alone (ONNX
/// Runtime GenAI, HF tokenizers) tokenize as SentencePiece does:
/// <list type="bullet">
/// <item>model: BPE with byte_fallback and fuse_unk, the pieces as vocabulary (piece → id) and merges derived from the
/// vocabulary as HF's SentencePieceExtractor does: every split of a piece into two pieces of the vocabulary, ordered by
/// the piece's score (highest first), then the longer left half, then the longer right half; ties keep the pieces' id
/// order and, within one piece, the halves' ids. Control, unknown, byte and unused pieces are neither merged nor halves
/// (as HF's skip_tokens), since SentencePiece never builds them from text.</item>
/// <item>normalizer: Prepend('▁') when the model adds a dummy prefix, then Replace(' ', '▁'); pre-tokenizer: a Split
/// whose regex matches the whole text (nothing to HF; it stops ONNX Runtime GenAI from splitting the text by its own regex).</item>
/// <item>decoder: Replace('▁', ' '), ByteFallback, Fuse, and Strip(' ', 1, 0) when there is a dummy prefix.</item>
/// <item>added_tokens: the control and unknown pieces (special) and user-defined pieces (not special), unnormalised.</item>
/// <item>post_processor: TemplateProcessing that puts BOS first when the tokenizer adds it (add_bos_token).</item>
/// </list>
/// Refused, by <see cref="CheckpointException"/> naming the file and the reason: unigram models, models without byte
/// fallback, with a precompiled normalisation map (nmt_nfkc), with remove_extra_whitespaces or without whitespace
/// escaping — SentencePiece does something there that these normalizers do not express, so the file would tokenize
/// differently from tokenizer.model.
/// </summary>
public static class SentencePieceTokenizerJson
{
    private const string Space = "▁";

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>
    /// Writes <paramref name="tokenizerJsonPath"/> from the SentencePiece model at <paramref name="tokenizerModelPath"/>
    /// (atomically; byte-identical for the same input).
    /// </summary>
    /// <param name="addBos">Whether the post-processor puts BOS first (the tokenizer's add_bos_token; Llama: true).</param>
    public static void Write(string tokenizerModelPath, string tokenizerJsonPath, bool addBos = true)
    {
        var json = Build(Read(tokenizerModelPath), tokenizerModelPath, addBos);
        AtomicFile.WriteAllBytes(tokenizerJsonPath, Encoding.UTF8.GetBytes(json.ToJsonString(JsonOptions) + "\n"));
    }

    /// <summary>
    /// Writes <c>tokenizer.json</c> into <paramref name="directory"/> from its <c>tokenizer.model</c>, with BOS as the
    /// directory's tokenizer_config.json says (add_bos_token; true when unset, as SentencePiece Llama tokenizers do).
    /// </summary>
    public static void WriteBeside(string directory)
    {
        var addBos = TokenizerConfigFiles.Read(directory).AddBosToken ?? true;
        Write(Path.Combine(directory, TextTokenizer.SentencePieceFile), Path.Combine(directory, TextTokenizer.TokenizerJsonFile), addBos);
    }

    private static SentencePieceModel Read(string path)
    {
        try
        {
            return SentencePieceModel.Parse(File.ReadAllBytes(path));
        }
        catch (InvalidDataException e)
        {
            throw new CheckpointException($"{path}: not a SentencePiece model ({e.Message}). Copy tokenizer.model from the base model.", e);
        }
    }

    /// <summary>Why <paramref name="model"/> cannot be written as a tokenizer.json that tokenizes as it does, or null.</summary>
    public static string? RefusalReason(SentencePieceModel model)
    {
        if (model.ModelType != SentencePieceModel.ModelTypeBpe)
            return $"it is a SentencePiece {(model.ModelType == SentencePieceModel.ModelTypeUnigram ? "unigram" : $"type-{model.ModelType}")} model; only BPE models convert to a BPE tokenizer.json";
        if (!model.ByteFallback)
            return "byte_fallback is off; only byte-fallback BPE models (Llama 2 style) are converted";
        if (model.HasPrecompiledCharsMap)
            return $"it normalises text with the precompiled map '{model.NormalizerName}', which medtune does not write into tokenizer.json";
        if (model.RemoveExtraWhitespaces)
            return "remove_extra_whitespaces is on (runs of spaces collapse, the ends are trimmed), which the Prepend/Replace normalizers cannot express";
        if (!model.EscapeWhitespaces)
            return "escape_whitespaces is off, so spaces are not '▁' as the Replace normalizer assumes";
        if (model.Pieces.Count == 0)
            return "it has no pieces";
        if (model.UnknownId < 0 || model.UnknownId >= model.Pieces.Count)
            return $"its unk_id {model.UnknownId} is not a piece";
        return null;
    }

    /// <summary>The tokenizer.json of <paramref name="model"/>; <paramref name="path"/> names it in errors.</summary>
    public static JsonObject Build(SentencePieceModel model, string path, bool addBos = true)
    {
        if (RefusalReason(model) is { } reason)
            throw new CheckpointException($"{path}: cannot be written as tokenizer.json: {reason}.");

        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var vocab = new JsonObject();
        for (var id = 0; id < model.Pieces.Count; id++)
        {
            var piece = model.Pieces[id].Piece;
            if (!ids.TryAdd(piece, id))
                throw new CheckpointException($"{path}: the piece '{piece}' appears twice (ids {ids[piece]} and {id}); the tokenizer.model is corrupt.");
            vocab[piece] = id;
        }

        var merges = new JsonArray();
        foreach (var (left, right) in Merges(model))
        {
            if (left.Contains(' ') || right.Contains(' '))
                throw new CheckpointException($"{path}: the merge '{left}' + '{right}' contains a space, which tokenizer.json's \"left right\" merges cannot hold.");
            merges.Add(left + " " + right);
        }

        var addedTokens = new JsonArray();
        for (var id = 0; id < model.Pieces.Count; id++)
        {
            var piece = model.Pieces[id];
            if (piece.Type is not (SentencePieceType.Control or SentencePieceType.Unknown or SentencePieceType.UserDefined)) continue;
            addedTokens.Add(new JsonObject
            {
                ["id"] = id,
                ["content"] = piece.Piece,
                ["single_word"] = false,
                ["lstrip"] = false,
                ["rstrip"] = false,
                ["normalized"] = false,
                ["special"] = piece.Type != SentencePieceType.UserDefined,
            });
        }

        var replaceSpace = Replace(" ", Space);
        JsonNode normalizer = model.AddDummyPrefix
            ? new JsonObject { ["type"] = "Sequence", ["normalizers"] = new JsonArray(new JsonObject { ["type"] = "Prepend", ["prepend"] = Space }, replaceSpace) }
            : replaceSpace;

        var decoders = new JsonArray(Replace(Space, " "), new JsonObject { ["type"] = "ByteFallback" }, new JsonObject { ["type"] = "Fuse" });
        if (model.AddDummyPrefix) decoders.Add(new JsonObject { ["type"] = "Strip", ["content"] = " ", ["start"] = 1, ["stop"] = 0 });

        return new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = addedTokens,
            ["normalizer"] = normalizer,
            // A Split that matches the whole text: nothing for HF tokenizers, but without a pre-tokenizer ONNX Runtime GenAI
            // 0.18 (ort-extensions) splits the text with a Llama regex first, so pieces that span punctuation (▁以下は、…)
            // are never formed and Japanese encodes differently from SentencePiece.
            ["pre_tokenizer"] = new JsonObject
            {
                ["type"] = "Split",
                ["pattern"] = new JsonObject { ["Regex"] = SentencePieceBpeJson.WholeTextRegex },
                ["behavior"] = "Isolated",
                ["invert"] = false,
            },
            ["post_processor"] = addBos && model.BosId >= 0 && model.BosId < model.Pieces.Count ? BosTemplate(model.Pieces[model.BosId].Piece, model.BosId) : null,
            ["decoder"] = new JsonObject { ["type"] = "Sequence", ["decoders"] = decoders },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["dropout"] = null,
                ["unk_token"] = model.Pieces[model.UnknownId].Piece,
                ["continuing_subword_prefix"] = null,
                ["end_of_word_suffix"] = null,
                ["fuse_unk"] = true,
                ["byte_fallback"] = true,
                ["ignore_merges"] = false,
                ["vocab"] = vocab,
                ["merges"] = merges,
            },
        };
    }

    /// <summary>
    /// The merges HF's SentencePieceExtractor derives from the vocabulary (with scores): for each piece in id order, every
    /// split into two vocabulary pieces, sorted by the halves' ids; then all of them stably by the piece's score, the left
    /// half's length and the right half's length (in code points), each highest first.
    /// </summary>
    public static IReadOnlyList<(string Left, string Right)> Merges(SentencePieceModel model)
    {
        static bool Mergeable(SentencePiece p) => p.Type is SentencePieceType.Normal or SentencePieceType.UserDefined;
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var id = 0; id < model.Pieces.Count; id++)
        {
            if (Mergeable(model.Pieces[id])) ids.TryAdd(model.Pieces[id].Piece, id);
        }

        var merges = new List<(string Left, string Right, float Score, int LeftLength, int RightLength)>();
        var local = new List<(int LeftId, int RightId, string Left, string Right, int LeftLength, int RightLength)>();
        foreach (var piece in model.Pieces)
        {
            if (!Mergeable(piece)) continue;
            local.Clear();
            var text = piece.Piece;
            var total = text.EnumerateRunes().Count();
            var leftLength = 0;
            for (var at = 0; at < text.Length;)
            {
                at += Rune.GetRuneAt(text, at).Utf16SequenceLength;
                leftLength++;
                if (at == text.Length) break;
                var (left, right) = (text[..at], text[at..]);
                if (ids.TryGetValue(left, out var l) && ids.TryGetValue(right, out var r))
                    local.Add((l, r, left, right, leftLength, total - leftLength));
            }
            foreach (var m in local.OrderBy(m => m.LeftId).ThenBy(m => m.RightId))
                merges.Add((m.Left, m.Right, piece.Score, m.LeftLength, m.RightLength));
        }
        // LINQ's ordering is stable, as Python's sorted(..., reverse=True) is.
        return merges.OrderByDescending(m => m.Score).ThenByDescending(m => m.LeftLength).ThenByDescending(m => m.RightLength)
            .Select(m => (m.Left, m.Right)).ToList();
    }

    private static JsonObject Replace(string pattern, string content) =>
        new() { ["type"] = "Replace", ["pattern"] = new JsonObject { ["String"] = pattern }, ["content"] = content };

    private static JsonObject BosTemplate(string bos, int bosId)
    {
        static JsonObject Special(string id, int typeId) => new() { ["SpecialToken"] = new JsonObject { ["id"] = id, ["type_id"] = typeId } };
        static JsonObject Sequence(string id, int typeId) => new() { ["Sequence"] = new JsonObject { ["id"] = id, ["type_id"] = typeId } };
        return new JsonObject
        {
            ["type"] = "TemplateProcessing",
            ["single"] = new JsonArray(Special(bos, 0), Sequence("A", 0)),
            ["pair"] = new JsonArray(Special(bos, 0), Sequence("A", 0), Special(bos, 1), Sequence("B", 1)),
            ["special_tokens"] = new JsonObject
            {
                [bos] = new JsonObject { ["id"] = bos, ["ids"] = new JsonArray(bosId), ["tokens"] = new JsonArray(bos) },
            },
        };
    }
}
