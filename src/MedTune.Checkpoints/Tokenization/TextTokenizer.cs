using System.Text;

namespace MedTune.Checkpoints.Tokenization;

/// <summary>
/// A model's tokenizer, loaded from its directory: <c>tokenizer.json</c> (byte-level BPE: GPT-NeoX/OpenCALM, Llama 3,
/// Qwen; or SentencePiece-style BPE with byte fallback: Llama 2, Mistral, Gemma) or <c>tokenizer.model</c>
/// (SentencePiece: Llama 2, Swallow), with BOS/EOS/pad taken from
/// tokenizer_config.json, special_tokens_map.json, generation_config.json and config.json.
/// </summary>
public sealed class TextTokenizer
{
    public const string TokenizerJsonFile = "tokenizer.json";
    public const string SentencePieceFile = "tokenizer.model";

    private static readonly string[] TokenizerFileNames =
        [TokenizerJsonFile, SentencePieceFile, TokenizerConfigFiles.TokenizerConfig, TokenizerConfigFiles.SpecialTokensMap, "added_tokens.json"];

    private readonly ITokenizerBackend _backend;
    private readonly bool _addBosByDefault;

    private TextTokenizer(ITokenizerBackend backend, TokenizerConfigFiles config, IReadOnlyList<string> files)
    {
        _backend = backend;
        FilesToCopy = files;
        BosId = ResolveToken(config.BosToken, "bos_token", config)
            ?? FirstValid(config.BosIds)
            ?? backend.Defaults.BosId;
        var eos = new List<int>();
        if (ResolveToken(config.EosToken, "eos_token", config) is { } eosFromToken) eos.Add(eosFromToken);
        eos.AddRange(config.EosIds.Where(IsValidId));
        if (eos.Count == 0 && backend.Defaults.EosId is { } defaultEos) eos.Add(defaultEos);
        EosIds = eos.Distinct().ToArray();
        PadId = ResolveToken(config.PadToken, "pad_token", config)
            ?? FirstValid(config.PadIds)
            ?? backend.Defaults.PadId
            ?? (EosIds.Count > 0 ? EosIds[0] : 0);
        _addBosByDefault = (config.AddBosToken ?? backend.Defaults.AddBos) && BosId is not null;
    }

    /// <summary>Loads the tokenizer in <paramref name="modelDirectory"/>; tokenizer.json is preferred when both files exist.</summary>
    public static TextTokenizer Load(string modelDirectory)
    {
        if (!Directory.Exists(modelDirectory))
            throw new CheckpointException($"Tokenizer directory '{modelDirectory}' does not exist.");
        var jsonPath = Path.Combine(modelDirectory, TokenizerJsonFile);
        var modelPath = Path.Combine(modelDirectory, SentencePieceFile);
        ITokenizerBackend backend;
        var jsonIsSentencePiece = File.Exists(jsonPath) && IsSentencePieceJson(jsonPath);
        if (File.Exists(jsonPath) && !jsonIsSentencePiece)
            backend = LoadWithContext(jsonPath, ByteLevelBpeBackend.Load);
        else if (File.Exists(modelPath))
            backend = LoadWithContext(modelPath, SentencePieceBackend.Load);
        else if (jsonIsSentencePiece)
            backend = LoadWithContext(jsonPath, SentencePieceBpeBackend.Load);
        else
            throw new CheckpointException(
                $"No tokenizer in '{modelDirectory}': expected {TokenizerJsonFile} (byte-level or SentencePiece-style BPE) or {SentencePieceFile} (SentencePiece). Copy the tokenizer files from the base model.");

        var files = TokenizerFileNames.Select(f => Path.Combine(modelDirectory, f)).Where(File.Exists).ToArray();
        return new TextTokenizer(backend, TokenizerConfigFiles.Read(modelDirectory), files);
    }

    /// <summary>
    /// A SentencePiece-style tokenizer.json (model.byte_fallback true: Llama 2, Mistral, Gemma). Beside a tokenizer.model
    /// the .model is used, as before; alone it is read by <see cref="SentencePieceBpeBackend"/>.
    /// </summary>
    private static bool IsSentencePieceJson(string jsonPath)
    {
        try
        {
            using var stream = File.OpenRead(jsonPath);
            using var document = System.Text.Json.JsonDocument.Parse(stream);
            return document.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                && document.RootElement.TryGetProperty("model", out var model) && model.ValueKind == System.Text.Json.JsonValueKind.Object
                && model.TryGetProperty("byte_fallback", out var fallback) && fallback.ValueKind == System.Text.Json.JsonValueKind.True;
        }
        catch (System.Text.Json.JsonException)
        {
            return false; // the byte-level reader reports the malformed JSON with its line
        }
    }

    private static ITokenizerBackend LoadWithContext(string path, Func<string, ITokenizerBackend> load)
    {
        try
        {
            return load(path);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or KeyNotFoundException or ArgumentException or IndexOutOfRangeException)
        {
            throw new CheckpointException($"{path}: cannot be read as a tokenizer ({e.Message}). Copy it again from the base model.", e);
        }
    }

    public int VocabSize => _backend.VocabSize;

    public int? BosId { get; }

    /// <summary>Every id that ends generation (tokenizer eos_token plus generation_config/config eos_token_id).</summary>
    public IReadOnlyList<int> EosIds { get; }

    public int PadId { get; }

    /// <summary>Full paths of the tokenizer files to copy beside a merged or exported model.</summary>
    public IReadOnlyList<string> FilesToCopy { get; }

    /// <summary>True when <see cref="Encode"/> with <c>addBos: true</c> puts <see cref="BosId"/> first (add_bos_token).</summary>
    public bool AddsBos => _addBosByDefault;

    /// <summary>
    /// Token ids of <paramref name="text"/>. With <paramref name="addBos"/>, BOS is prepended when the tokenizer's
    /// configuration asks for it (add_bos_token); EOS is never added.
    /// </summary>
    public IReadOnlyList<int> Encode(string text, bool addBos = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = _backend.Encode(text);
        if (!addBos || !_addBosByDefault) return ids;
        var withBos = new List<int>(ids.Count + 1) { BosId!.Value };
        withBos.AddRange(ids);
        return withBos;
    }

    /// <summary>Text of <paramref name="ids"/>, skipping special tokens; an unfinished UTF-8 sequence decodes to U+FFFD.</summary>
    public string Decode(IEnumerable<int> ids)
    {
        var list = ids as IReadOnlyList<int> ?? ids.ToArray();
        foreach (var id in list)
        {
            if (!IsValidId(id))
                throw new ArgumentOutOfRangeException(nameof(ids), id, $"token id outside the vocabulary (size {VocabSize})");
        }
        return _backend.DecodeText(list) ?? DecodeBytes(list, flush: true);
    }

    /// <summary>
    /// Text of <paramref name="ids"/> without an unfinished UTF-8 character at the end (a byte-fallback or byte-level
    /// token that carries part of a character). Appending ids only ever appends to this text, so it is safe for
    /// incremental decoding and stop-string checks.
    /// </summary>
    public string DecodeStablePrefix(IEnumerable<int> ids) => DecodeBytes(ids, flush: false);

    /// <summary>Number of UTF-8 bytes of the decoded <paramref name="ids"/>.</summary>
    public int ByteCount(IEnumerable<int> ids) => Encoding.UTF8.GetByteCount(Decode(ids));

    private string DecodeBytes(IEnumerable<int> ids, bool flush)
    {
        var bytes = new List<byte>();
        foreach (var id in ids)
        {
            if (!IsValidId(id))
                throw new ArgumentOutOfRangeException(nameof(ids), id, $"token id outside the vocabulary (size {VocabSize})");
            foreach (var b in _backend.TokenBytes(id)) bytes.Add(b);
        }
        var decoder = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false).GetDecoder();
        var span = bytes.ToArray();
        var chars = new char[decoder.GetCharCount(span, flush) + 1];
        var count = decoder.GetChars(span, chars, flush);
        var text = new string(chars, 0, count);
        return _backend.StripsLeadingSpace && text.StartsWith(' ') ? text[1..] : text;
    }

    /// <summary>The id of a token string (added tokens included), or null.</summary>
    public int? TokenToId(string token) => _backend.TokenToId(token);

    private bool IsValidId(int id) => id >= 0 && id < _backend.VocabSize;

    private int? FirstValid(IEnumerable<int> ids) => ids.Where(IsValidId).Cast<int?>().FirstOrDefault();

    private int? ResolveToken(string? token, string key, TokenizerConfigFiles config)
    {
        if (token is null) return null;
        return _backend.TokenToId(token)
            ?? throw new CheckpointException($"{config.TokenSources.GetValueOrDefault(key, key)}: {key} '{token}' is not in the tokenizer's vocabulary. Fix the token or copy the matching tokenizer files.");
    }
}
