using System.Globalization;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace MedTune.Checkpoints.Tokenization;

/// <summary>
/// A SentencePiece <c>tokenizer.model</c> (Llama 2, Swallow): ML.Tokenizers encodes (after
/// <see cref="SentencePieceTextNormalizer"/> for models with a precompiled map or remove_extra_whitespaces); decoding is done here from
/// the pieces (<c>▁</c> is a space, <c>&lt;0xNN&gt;</c> byte pieces are raw bytes) so partial characters can be held back.
/// </summary>
internal sealed class SentencePieceBackend : ITokenizerBackend
{
    private readonly SentencePieceTokenizer _tokenizer;
    private readonly SentencePieceModel _model;
    private readonly byte[][] _tokenBytes;
    private readonly Dictionary<string, int> _pieceIds;
    private readonly SentencePieceTextNormalizer? _normalizer;

    private SentencePieceBackend(SentencePieceTokenizer tokenizer, SentencePieceModel model, SentencePieceTextNormalizer? normalizer)
    {
        _tokenizer = tokenizer;
        _model = model;
        _normalizer = normalizer;
        _tokenBytes = model.Pieces.Select(BytesOf).ToArray();
        _pieceIds = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < model.Pieces.Count; i++) _pieceIds.TryAdd(model.Pieces[i].Piece, i);
    }

    public static SentencePieceBackend Load(string path)
    {
        byte[] data = File.ReadAllBytes(path);
        SentencePieceModel model;
        try
        {
            model = SentencePieceModel.Parse(data);
        }
        catch (InvalidDataException e)
        {
            throw new CheckpointException($"{path}: not a SentencePiece model ({e.Message}). Copy tokenizer.model from the base model.", e);
        }
        if (model.Pieces.Count == 0)
            throw new CheckpointException($"{path}: SentencePiece model has no pieces. Copy tokenizer.model from the base model.");

        // ML.Tokenizers 2.0.1 reads but does not apply normalizer_spec.precompiled_charsmap (nmt_nfkc), and with
        // remove_extra_whitespaces it encodes any one-character text to no ids. For such models medtune normalises as
        // sentencepiece does and hands ML.Tokenizers the normalised text; the others (Llama 2, Swallow, the builtin
        // models) keep ML.Tokenizers' own normaliser.
        SentencePieceTextNormalizer? normalizer = null;
        if (model.HasPrecompiledCharsMap || model.RemoveExtraWhitespaces)
        {
            var charsMap = model.HasPrecompiledCharsMap
                ? PrecompiledCharsMap.Parse(model.PrecompiledCharsMap.Span, $"{path}: normalizer '{model.NormalizerName}'")
                : null;
            normalizer = new SentencePieceTextNormalizer(charsMap, model.AddDummyPrefix, model.RemoveExtraWhitespaces, model.EscapeWhitespaces,
                model.Pieces.Where(p => p.Type == SentencePieceType.UserDefined).Select(p => p.Piece).ToArray());
        }
        SentencePieceTokenizer tokenizer;
        try
        {
            tokenizer = SentencePieceTokenizer.Create(new MemoryStream(data), addBeginningOfSentence: false, addEndOfSentence: false);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or NotSupportedException or InvalidDataException)
        {
            throw new CheckpointException($"{path}: ML.Tokenizers cannot load this SentencePiece model ({e.Message}).", e);
        }
        return new SentencePieceBackend(tokenizer, model, normalizer);
    }

    public int VocabSize => _model.Pieces.Count;

    public bool StripsLeadingSpace => _model.AddDummyPrefix;

    public SpecialTokenDefaults Defaults => new(
        AddBos: true,
        BosId: ValidId(_model.BosId),
        EosId: ValidId(_model.EosId),
        PadId: ValidId(_model.PadId));

    public IReadOnlyList<int> Encode(string text) => _normalizer is null
        ? _tokenizer.EncodeToIds(text, addBeginningOfSentence: false, addEndOfSentence: false)
        : _tokenizer.EncodeToIds(_normalizer.Normalize(text), addBeginningOfSentence: false, addEndOfSentence: false, considerNormalization: false);

    /// <summary>
    /// For the models normalised by <see cref="SentencePieceTextNormalizer"/>, sentencepiece's own decoding
    /// (<c>SentencePieceProcessor::Decode</c>): control pieces vanish, unknown ones read " ⁇ ", each run of byte pieces
    /// becomes its UTF-8 text with U+FFFD for each invalid byte, and the leading '▁' of pieces is dropped while nothing
    /// has been decoded yet (every such piece with remove_extra_whitespaces, only the first otherwise). Other models keep
    /// the concatenated <see cref="TokenBytes"/>.
    /// </summary>
    public string? DecodeText(IReadOnlyList<int> ids)
    {
        if (_normalizer is null) return null;
        var text = new StringBuilder();
        var run = new List<byte>();
        bool atStart = true, startSpaceSeen = false;
        foreach (var id in ids)
        {
            var piece = _model.Pieces[id];
            if (piece.Type == SentencePieceType.Byte)
            {
                run.Add(_tokenBytes[id][0]);
                continue;
            }
            AppendBytes(text, run);
            if (startSpaceSeen || text.Length > 0) atStart = false;
            startSpaceSeen = false;
            switch (piece.Type)
            {
                case SentencePieceType.Control or SentencePieceType.Unused:
                    continue;
                case SentencePieceType.Unknown:
                    text.Append(" ⁇ ");
                    continue;
            }
            var surface = piece.Piece;
            if (atStart && (_model.AddDummyPrefix || _model.RemoveExtraWhitespaces) && surface.StartsWith('▁'))
            {
                surface = surface[1..];
                startSpaceSeen = !_model.RemoveExtraWhitespaces;
            }
            text.Append(surface.Replace('▁', ' '));
        }
        AppendBytes(text, run);
        return text.ToString();
    }

    /// <summary>A run of byte pieces as sentencepiece decodes it: valid characters kept, U+FFFD for each invalid byte.</summary>
    private static void AppendBytes(StringBuilder text, List<byte> run)
    {
        var bytes = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(run);
        while (!bytes.IsEmpty)
        {
            if (Rune.DecodeFromUtf8(bytes, out var rune, out var consumed) == System.Buffers.OperationStatus.Done)
            {
                text.Append(rune.ToString());
                bytes = bytes[consumed..];
            }
            else
            {
                text.Append('\uFFFD');
                bytes = bytes[1..];
            }
        }
        run.Clear();
    }

    public int? TokenToId(string token) => _pieceIds.TryGetValue(token, out var id) ? id : null;

    public ReadOnlySpan<byte> TokenBytes(int id) => _tokenBytes[id];

    private int? ValidId(int id) => id >= 0 && id < _model.Pieces.Count ? id : null;

    private static byte[] BytesOf(SentencePiece piece) => piece.Type switch
    {
        SentencePieceType.Normal or SentencePieceType.UserDefined => Encoding.UTF8.GetBytes(piece.Piece.Replace('▁', ' ')),
        SentencePieceType.Byte => [ParseBytePiece(piece.Piece)],
        _ => [],
    };

    private static byte ParseBytePiece(string piece)
    {
        if (piece.Length == 6 && piece.StartsWith("<0x", StringComparison.Ordinal) && piece[5] == '>'
            && byte.TryParse(piece.AsSpan(3, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var value))
            return value;
        throw new CheckpointException($"SentencePiece byte piece '{piece}' is not of the form <0xNN>; the tokenizer.model is corrupt.");
    }
}
