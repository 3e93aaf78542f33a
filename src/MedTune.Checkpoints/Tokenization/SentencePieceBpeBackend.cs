using System.Globalization;
using System.Text;

namespace MedTune.Checkpoints.Tokenization;

/// <summary>
/// A SentencePiece-style BPE converted to tokenizer.json (Llama 2, Mistral, Gemma, Swallow, ELYZA) read without
/// tokenizer.model, as HF tokenizers runs it: added tokens are split off the raw text, each other segment is
/// normalised (Prepend '▁', Replace ' ' → '▁', a precompiled SentencePiece map) and pre-tokenised (Metaspace, Split),
/// each word starts as one symbol per character (characters outside the vocabulary become their UTF-8 bytes as
/// <c>&lt;0xNN&gt;</c> tokens) and the merges apply by rank. Decoding is the Replace('▁', ' ') / ByteFallback / Fuse /
/// Strip decoder: token bytes concatenated, one leading space dropped when the decoder strips it.
/// </summary>
internal sealed class SentencePieceBpeBackend : ITokenizerBackend
{
    private readonly SentencePieceBpeJson _json;
    private readonly Dictionary<string, int> _addedTokens;
    private readonly AddedTokenSplitter _addedTokenSplitter;
    private readonly BpeMerges _merges;
    private readonly int[] _byteIds;
    private readonly byte[][] _tokenBytes;
    private readonly string?[] _tokenText;
    private readonly int[] _tokenByte;

    private SentencePieceBpeBackend(SentencePieceBpeJson json)
    {
        _json = json;
        _addedTokens = json.AddedTokens.ToDictionary(t => t.Content, t => t.Id, StringComparer.Ordinal);
        _addedTokenSplitter = new AddedTokenSplitter(_addedTokens);
        var merges = new Dictionary<(int, int), (int, int)>();
        for (var rank = 0; rank < json.Merges.Count; rank++)
        {
            var (left, right) = json.Merges[rank];
            if (json.Vocab.TryGetValue(left, out var l) && json.Vocab.TryGetValue(right, out var r) && json.Vocab.TryGetValue(left + right, out var m))
                merges.TryAdd((l, r), (rank, m));
            else
                throw new CheckpointException($"{json.Path}: 'model.merges' entry {rank} (\"{left} {right}\") names a token that is not in model.vocab. Copy tokenizer.json again from the base model.");
        }
        _merges = new BpeMerges(merges);
        _byteIds = new int[256];
        for (var b = 0; b < 256; b++) _byteIds[b] = json.Vocab.TryGetValue($"<0x{b:X2}>", out var id) ? id : -1;

        VocabSize = Math.Max(json.Vocab.Count == 0 ? 0 : json.Vocab.Values.Max() + 1, json.AddedTokens.Count == 0 ? 0 : json.AddedTokens.Max(t => t.Id) + 1);
        // Per id: the decoder's text ('▁' read as a space; null for special tokens, which decoding skips) and, when the
        // decoder has ByteFallback, the byte an <0xNN> token stands for (-1 otherwise).
        _tokenText = new string?[VocabSize];
        _tokenByte = new int[VocabSize];
        Array.Fill(_tokenByte, -1);
        foreach (var (token, id) in json.Vocab) _tokenText[id] = token.Replace('▁', ' ');
        foreach (var added in json.AddedTokens) _tokenText[added.Id] = added.Special ? null : added.Content.Replace('▁', ' ');
        _tokenBytes = new byte[VocabSize][];
        for (var id = 0; id < VocabSize; id++)
        {
            if (json.Decoder.ByteFallback && _tokenText[id] is { } text && ParseByteToken(text) is { } value) _tokenByte[id] = value;
            _tokenBytes[id] = _tokenByte[id] >= 0 ? [(byte)_tokenByte[id]] : Encoding.UTF8.GetBytes(_tokenText[id] ?? "");
        }
    }

    public static SentencePieceBpeBackend Load(string path) => new(SentencePieceBpeJson.Read(path));

    public int VocabSize { get; }

    public bool StripsLeadingSpace => _json.Decoder.StripsLeadingSpace;

    public SpecialTokenDefaults Defaults => _json.Defaults;

    public int? TokenToId(string token) =>
        _addedTokens.TryGetValue(token, out var added) ? added
        : _json.Vocab.TryGetValue(token, out var id) ? id
        : null;

    public ReadOnlySpan<byte> TokenBytes(int id) => _tokenBytes[id];

    /// <summary>
    /// HF's decoder chain: special tokens skipped, '▁' → ' ', each run of byte tokens becomes its UTF-8 text or, when it
    /// is not valid UTF-8, one U+FFFD per byte (ByteFallback), tokens joined (Fuse), one leading space stripped from the
    /// whole text (Strip) or from the first token (Metaspace).
    /// </summary>
    public string? DecodeText(IReadOnlyList<int> ids)
    {
        var text = new StringBuilder();
        var run = new List<byte>();
        var first = true;
        void FlushRun()
        {
            if (run.Count == 0) return;
            try
            {
                text.Append(StrictUtf8.GetString(run.ToArray()));
            }
            catch (DecoderFallbackException)
            {
                text.Append('\uFFFD', run.Count);
            }
            run.Clear();
        }
        foreach (var id in ids)
        {
            if (_tokenText[id] is not { } token) continue;
            if (_tokenByte[id] >= 0)
            {
                run.Add((byte)_tokenByte[id]);
                first = false;
                continue;
            }
            FlushRun();
            if (first && _json.Decoder.StripsPerFirstToken && _json.Decoder.StripsLeadingSpace && token.StartsWith(' ')) token = token[1..];
            text.Append(token);
            first = false;
        }
        FlushRun();
        if (!_json.Decoder.StripsPerFirstToken && _json.Decoder.StripsLeadingSpace && text.Length > 0 && text[0] == ' ') text.Remove(0, 1);
        return text.ToString();
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public IReadOnlyList<int> Encode(string text)
    {
        var ids = new List<int>();
        var symbols = new List<int>();
        foreach (var (range, addedId) in _addedTokenSplitter.Split(text))
        {
            if (addedId is { } id)
            {
                ids.Add(id);
                continue;
            }
            var segment = text[range];
            foreach (var normalize in _json.Normalizers) segment = normalize(segment);
            if (segment.Length == 0) continue;
            foreach (var word in _json.PreTokenizer.Split(segment, atTextStart: range.Start.GetOffset(text.Length) == 0))
            {
                if (_json.IgnoreMerges && _json.Vocab.TryGetValue(word, out var whole))
                {
                    ids.Add(whole);
                    continue;
                }
                symbols.Clear();
                InitialSymbols(word, symbols);
                _merges.Apply(symbols, ids);
            }
        }
        return ids;
    }

    /// <summary>One symbol per character, or its UTF-8 bytes as byte tokens, or unk (fused when fuse_unk), as HF's BPE::merge_word.</summary>
    private void InitialSymbols(string word, List<int> symbols)
    {
        var lastWasUnk = false;
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in word.EnumerateRunes())
        {
            if (_json.Vocab.TryGetValue(rune.ToString(), out var id))
            {
                symbols.Add(id);
                lastWasUnk = false;
                continue;
            }
            var length = rune.EncodeToUtf8(utf8);
            var allBytes = true;
            for (var i = 0; i < length; i++) allBytes &= _byteIds[utf8[i]] >= 0;
            if (allBytes)
            {
                for (var i = 0; i < length; i++) symbols.Add(_byteIds[utf8[i]]);
                lastWasUnk = false;
                continue;
            }
            var unk = _json.UnknownId ?? throw new CheckpointException(
                $"{_json.Path}: the character U+{rune.Value:X4} is not in the vocabulary, has no byte tokens and model.unk_token is not set.");
            if (!(_json.FuseUnknown && lastWasUnk)) symbols.Add(unk);
            lastWasUnk = true;
        }
    }

    /// <summary>The byte NN of a token spelled &lt;0xNN&gt; (as HF's ByteFallback reads it), or null.</summary>
    private static byte? ParseByteToken(string token) =>
        token.Length == 6 && token.StartsWith("<0x", StringComparison.Ordinal) && token[5] == '>'
        && byte.TryParse(token.AsSpan(3, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var value)
            ? value
            : null;
}
