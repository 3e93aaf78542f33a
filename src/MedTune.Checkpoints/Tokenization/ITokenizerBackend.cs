namespace MedTune.Checkpoints.Tokenization;

/// <summary>One tokenizer file format (SentencePiece model or byte-level BPE tokenizer.json) as <see cref="TextTokenizer"/> needs it.</summary>
internal interface ITokenizerBackend
{
    int VocabSize { get; }

    /// <summary>Ids of <paramref name="text"/> with no BOS/EOS added.</summary>
    IReadOnlyList<int> Encode(string text);

    int? TokenToId(string token);

    /// <summary>The UTF-8 bytes id contributes to decoded text; empty for special and control tokens.</summary>
    ReadOnlySpan<byte> TokenBytes(int id);

    /// <summary>
    /// Text of <paramref name="ids"/> (all valid) by the format's own decoder, or null to decode the concatenated
    /// <see cref="TokenBytes"/>. The two differ only where bytes do not form UTF-8.
    /// </summary>
    string? DecodeText(IReadOnlyList<int> ids) => null;

    /// <summary>True when decoding drops one leading space (SentencePiece's dummy prefix).</summary>
    bool StripsLeadingSpace { get; }

    /// <summary>What the format itself says about special tokens, used when no config file says otherwise.</summary>
    SpecialTokenDefaults Defaults { get; }
}

internal sealed record SpecialTokenDefaults(bool AddBos, int? BosId, int? EosId, int? PadId);
