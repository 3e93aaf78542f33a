namespace MedTune.Checkpoints.Tokenization;

/// <summary>Piece types of a SentencePiece model (<c>ModelProto.SentencePiece.Type</c>).</summary>
public enum SentencePieceType { Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6 }

public sealed record SentencePiece(string Piece, float Score, SentencePieceType Type);

/// <summary>
/// The parts of a SentencePiece <c>ModelProto</c> (<c>tokenizer.model</c>) that medtune reads and writes: the
/// pieces, the model type and special ids of <c>trainer_spec</c>, and the whitespace rules of <c>normalizer_spec</c>.
/// Field numbers follow sentencepiece_model.proto.
/// </summary>
public sealed record SentencePieceModel
{
    public const int ModelTypeUnigram = 1;
    public const int ModelTypeBpe = 2;

    public required IReadOnlyList<SentencePiece> Pieces { get; init; }
    public int ModelType { get; init; } = ModelTypeUnigram;
    public bool ByteFallback { get; init; }
    public int UnknownId { get; init; }
    public int BosId { get; init; } = 1;
    public int EosId { get; init; } = 2;
    public int PadId { get; init; } = -1;
    public string NormalizerName { get; init; } = "identity";
    public bool AddDummyPrefix { get; init; } = true;
    public bool RemoveExtraWhitespaces { get; init; } = true;
    public bool EscapeWhitespaces { get; init; } = true;
    /// <summary>The compiled character map the model normalises text with (e.g. nmt_nfkc); empty for identity.</summary>
    public ReadOnlyMemory<byte> PrecompiledCharsMap { get; init; }

    public bool HasPrecompiledCharsMap => !PrecompiledCharsMap.IsEmpty;

    public static SentencePieceModel Parse(ReadOnlyMemory<byte> data)
    {
        var pieces = new List<SentencePiece>();
        SentencePieceModel model = new() { Pieces = pieces };
        foreach (var field in ProtobufReader.Fields(data))
        {
            if (field.Type != WireType.LengthDelimited) continue;
            model = field.Number switch
            {
                1 => AddPiece(model, pieces, field.Payload),
                2 => ReadTrainerSpec(model, field.Payload),
                3 => ReadNormalizerSpec(model, field.Payload),
                _ => model,
            };
        }
        return model;
    }

    private static SentencePieceModel AddPiece(SentencePieceModel model, List<SentencePiece> pieces, ReadOnlyMemory<byte> payload)
    {
        string piece = "";
        float score = 0;
        var type = SentencePieceType.Normal;
        foreach (var f in ProtobufReader.Fields(payload))
        {
            switch (f.Number)
            {
                case 1: piece = f.AsString(); break;
                case 2: score = f.AsFloat(); break;
                case 3: type = (SentencePieceType)f.AsInt32(); break;
            }
        }
        pieces.Add(new SentencePiece(piece, score, type));
        return model;
    }

    private static SentencePieceModel ReadTrainerSpec(SentencePieceModel model, ReadOnlyMemory<byte> payload)
    {
        foreach (var f in ProtobufReader.Fields(payload))
        {
            model = f.Number switch
            {
                3 => model with { ModelType = f.AsInt32() },
                35 => model with { ByteFallback = f.AsBool() },
                40 => model with { UnknownId = f.AsInt32() },
                41 => model with { BosId = f.AsInt32() },
                42 => model with { EosId = f.AsInt32() },
                43 => model with { PadId = f.AsInt32() },
                _ => model,
            };
        }
        return model;
    }

    private static SentencePieceModel ReadNormalizerSpec(SentencePieceModel model, ReadOnlyMemory<byte> payload)
    {
        foreach (var f in ProtobufReader.Fields(payload))
        {
            model = f.Number switch
            {
                1 => model with { NormalizerName = f.AsString() },
                2 => model with { PrecompiledCharsMap = f.Payload },
                3 => model with { AddDummyPrefix = f.AsBool() },
                4 => model with { RemoveExtraWhitespaces = f.AsBool() },
                5 => model with { EscapeWhitespaces = f.AsBool() },
                _ => model,
            };
        }
        return model;
    }

    /// <summary>Serialises the model; every field is written explicitly so proto2 defaults never decide a value.</summary>
    public byte[] ToBytes()
    {
        var model = new ProtobufWriter();
        foreach (var piece in Pieces)
        {
            var p = new ProtobufWriter();
            p.String(1, piece.Piece);
            p.Float(2, piece.Score);
            p.Int32(3, (int)piece.Type);
            model.Message(1, p);
        }

        var trainer = new ProtobufWriter();
        trainer.Int32(3, ModelType);
        trainer.Int32(4, Pieces.Count);
        trainer.Bool(35, ByteFallback);
        trainer.Int32(40, UnknownId);
        trainer.Int32(41, BosId);
        trainer.Int32(42, EosId);
        trainer.Int32(43, PadId);
        model.Message(2, trainer);

        var normalizer = new ProtobufWriter();
        normalizer.String(1, NormalizerName);
        normalizer.Bool(3, AddDummyPrefix);
        normalizer.Bool(4, RemoveExtraWhitespaces);
        normalizer.Bool(5, EscapeWhitespaces);
        model.Message(3, normalizer);
        return model.ToArray();
    }
}
