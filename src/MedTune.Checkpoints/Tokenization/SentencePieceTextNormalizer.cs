using System.Text;

namespace MedTune.Checkpoints.Tokenization;

/// <summary>
/// SentencePiece's <c>Normalizer::Normalize</c> (normalizer.cc): at each position a user-defined piece is kept whole,
/// else the precompiled map's longest match replaces the input, else one character is kept (an invalid byte becomes
/// U+FFFD); with <c>remove_extra_whitespaces</c> leading, trailing and repeated spaces go; the dummy prefix is added
/// and spaces become '▁'. The result is what SentencePiece's BPE model segments.
/// </summary>
/// <remarks>
/// Used instead of ML.Tokenizers' normaliser for models with a precompiled map (which ML.Tokenizers 2.0.1 does not
/// apply) or with remove_extra_whitespaces (where it encodes any one-character text to no ids at all).
/// </remarks>
internal sealed class SentencePieceTextNormalizer(
    PrecompiledCharsMap? charsMap, bool addDummyPrefix, bool removeExtraWhitespaces, bool escapeWhitespaces, IReadOnlyList<string> userDefinedPieces)
{
    private static readonly byte[] SpaceSymbol = "▁"u8.ToArray();
    private readonly byte[][] _userDefined = userDefinedPieces.Where(p => p.Length > 0).Select(Encoding.UTF8.GetBytes).ToArray();

    public string Normalize(string text)
    {
        ReadOnlySpan<byte> input = Encoding.UTF8.GetBytes(text);
        var output = new List<byte>(input.Length + 8);
        if (removeExtraWhitespaces)
        {
            while (!input.IsEmpty)
            {
                var (piece, consumed) = NormalizePrefix(input);
                if (!piece.AsSpan().SequenceEqual(" "u8)) break;
                input = input[consumed..];
            }
        }
        if (input.IsEmpty) return "";
        if (addDummyPrefix) AppendSpace(output);
        var previousWasSpace = removeExtraWhitespaces;
        while (!input.IsEmpty)
        {
            var (piece, consumed) = NormalizePrefix(input);
            ReadOnlySpan<byte> sp = piece;
            if (previousWasSpace && removeExtraWhitespaces)
            {
                while (!sp.IsEmpty && sp[0] == (byte)' ') sp = sp[1..];
            }
            if (!sp.IsEmpty)
            {
                foreach (var b in sp)
                {
                    if (b == (byte)' ') AppendSpace(output);
                    else output.Add(b);
                }
                previousWasSpace = sp[^1] == (byte)' ';
            }
            input = input[consumed..];
            if (!removeExtraWhitespaces) previousWasSpace = false;
        }
        if (removeExtraWhitespaces)
        {
            var space = escapeWhitespaces ? SpaceSymbol : [(byte)' '];
            while (output.Count >= space.Length && System.Runtime.InteropServices.CollectionsMarshal.AsSpan(output)[^space.Length..].SequenceEqual(space)) output.RemoveRange(output.Count - space.Length, space.Length);
        }
        return Encoding.UTF8.GetString(output.ToArray());
    }

    private void AppendSpace(List<byte> output)
    {
        if (escapeWhitespaces) output.AddRange(SpaceSymbol);
        else output.Add((byte)' ');
    }

    private (byte[] Piece, int Consumed) NormalizePrefix(ReadOnlySpan<byte> input)
    {
        var longestUserDefined = 0;
        foreach (var piece in _userDefined)
        {
            if (piece.Length > longestUserDefined && input.StartsWith(piece)) longestUserDefined = piece.Length;
        }
        if (longestUserDefined > 0) return (input[..longestUserDefined].ToArray(), longestUserDefined);
        if (charsMap?.LongestMatch(input) is { } match) return match;
        return Rune.DecodeFromUtf8(input, out _, out var length) == System.Buffers.OperationStatus.Done
            ? (input[..length].ToArray(), length)
            : ("\uFFFD"u8.ToArray(), 1);
    }
}
