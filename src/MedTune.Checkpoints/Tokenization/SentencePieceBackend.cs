using System.Globalization;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace MedTune.Checkpoints.Tokenization;

/// <summary>
/// A SentencePiece <c>tokenizer.model</c> (Llama 2, Swallow): ML.Tokenizers encodes (after the precompiled character
/// map, when the model has one); decoding is done here from
/// the pieces (<c>▁</c> is a space, <c>&lt;0xNN&gt;</c> byte pieces are raw bytes) so partial characters can be held back.
/// </summary>
internal sealed class SentencePieceBackend : ITokenizerBackend
{
    private readonly SentencePieceTokenizer _tokenizer;
    private readonly SentencePieceModel _model;
    private readonly byte[][] _tokenBytes;
    private readonly Dictionary<string, int> _pieceIds;
    private readonly PrecompiledCharsMap? _charsMap;

    private SentencePieceBackend(SentencePieceTokenizer tokenizer, SentencePieceModel model, PrecompiledCharsMap? charsMap)
    {
        _tokenizer = tokenizer;
        _model = model;
        _charsMap = charsMap;
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

        // ML.Tokenizers reads but does not apply normalizer_spec.precompiled_charsmap (nmt_nfkc): medtune maps the text
        // first, as sentencepiece's Normalizer does before its whitespace rules, which ML.Tokenizers then applies.
        var charsMap = model.HasPrecompiledCharsMap
            ? PrecompiledCharsMap.Parse(model.PrecompiledCharsMap.Span, $"{path}: normalizer '{model.NormalizerName}'")
            : null;
        SentencePieceTokenizer tokenizer;
        try
        {
            tokenizer = SentencePieceTokenizer.Create(new MemoryStream(data), addBeginningOfSentence: false, addEndOfSentence: false);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or NotSupportedException or InvalidDataException)
        {
            throw new CheckpointException($"{path}: ML.Tokenizers cannot load this SentencePiece model ({e.Message}).", e);
        }
        return new SentencePieceBackend(tokenizer, model, charsMap);
    }

    public int VocabSize => _model.Pieces.Count;

    public bool StripsLeadingSpace => _model.AddDummyPrefix;

    public SpecialTokenDefaults Defaults => new(
        AddBos: true,
        BosId: ValidId(_model.BosId),
        EosId: ValidId(_model.EosId),
        PadId: ValidId(_model.PadId));

    public IReadOnlyList<int> Encode(string text) =>
        _tokenizer.EncodeToIds(_charsMap is null ? text : _charsMap.Normalize(text), addBeginningOfSentence: false, addEndOfSentence: false);

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
