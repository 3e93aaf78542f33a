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
        _tokenBytes = new byte[VocabSize][];
        foreach (var (token, id) in json.Vocab) _tokenBytes[id] = DecodePiece(token);
        foreach (var added in json.AddedTokens) _tokenBytes[added.Id] = added.Special ? [] : DecodePiece(added.Content);
        for (var i = 0; i < VocabSize; i++) _tokenBytes[i] ??= [];
    }

    public static SentencePieceBpeBackend Load(string path) => new(SentencePieceBpeJson.Read(path));

    public int VocabSize { get; }

    public bool StripsLeadingSpace => _json.DecoderStripsLeadingSpace;

    public SpecialTokenDefaults Defaults => _json.Defaults;

    public int? TokenToId(string token) =>
        _addedTokens.TryGetValue(token, out var added) ? added
        : _json.Vocab.TryGetValue(token, out var id) ? id
        : null;

    public ReadOnlySpan<byte> TokenBytes(int id) => _tokenBytes[id];

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

    /// <summary>The bytes the decoder makes of one token: &lt;0xNN&gt; is the byte NN, otherwise '▁' reads as a space.</summary>
    private static byte[] DecodePiece(string token)
    {
        if (token.Length == 6 && token.StartsWith("<0x", StringComparison.Ordinal) && token[5] == '>'
            && byte.TryParse(token.AsSpan(3, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var value))
            return [value];
        return Encoding.UTF8.GetBytes(token.Replace('▁', ' '));
    }
}
