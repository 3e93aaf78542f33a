using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace MedTune.Checkpoints.Tokenization;

/// <summary>
/// A SentencePiece precompiled character map (<c>normalizer_spec.precompiled_charsmap</c>, e.g. nmt_nfkc; HF's
/// <c>Precompiled</c> normalizer): a little-endian uint32 trie size, a Darts-clone double-array trie over UTF-8 keys
/// whose values are offsets into the blob of NUL-terminated replacement strings that follows it.
/// </summary>
internal sealed class PrecompiledCharsMap
{
    private readonly uint[] _units;
    private readonly byte[] _normalized;

    private PrecompiledCharsMap(uint[] units, byte[] normalized)
    {
        _units = units;
        _normalized = normalized;
    }

    public static PrecompiledCharsMap Parse(ReadOnlySpan<byte> blob, string where)
    {
        if (blob.Length < 4) throw new CheckpointException($"{where}: precompiled character map is {blob.Length} bytes, shorter than its 4-byte header.");
        var trieSize = BinaryPrimitives.ReadUInt32LittleEndian(blob);
        if (trieSize % 4 != 0 || trieSize == 0 || trieSize > blob.Length - 4)
            throw new CheckpointException($"{where}: precompiled character map declares a trie of {trieSize} bytes in a blob of {blob.Length}; it is corrupt.");
        var units = new uint[trieSize / 4];
        for (var i = 0; i < units.Length; i++) units[i] = BinaryPrimitives.ReadUInt32LittleEndian(blob[(4 + 4 * i)..]);
        return new PrecompiledCharsMap(units, blob[(4 + (int)trieSize)..].ToArray());
    }

    /// <summary>
    /// SentencePiece's <c>Normalizer::NormalizePrefix</c> for the map: the replacement of the longest key that starts
    /// <paramref name="input"/> and its length, or null when no key does.
    /// </summary>
    public (byte[] Replacement, int Consumed)? LongestMatch(ReadOnlySpan<byte> input)
    {
        var (length, value) = LongestPrefix(input);
        return length > 0 ? (Replacement(value).ToArray(), length) : null;
    }

    /// <summary>
    /// HF tokenizers' <c>Precompiled</c> normaliser: each grapheme cluster under 6 UTF-8 bytes is replaced as a whole by
    /// the first (shortest) key that prefixes it; otherwise each of its characters is replaced by its own entry, if any.
    /// </summary>
    public string NormalizeGraphemes(string text)
    {
        var output = new StringBuilder(text.Length);
        var graphemes = StringInfo.GetTextElementEnumerator(text);
        while (graphemes.MoveNext())
        {
            var grapheme = graphemes.GetTextElement();
            var bytes = Encoding.UTF8.GetBytes(grapheme);
            if (bytes.Length < 6 && ShortestPrefixValue(bytes) is { } whole)
            {
                output.Append(Encoding.UTF8.GetString(Replacement(whole)));
                continue;
            }
            foreach (var rune in grapheme.EnumerateRunes())
            {
                var part = rune.ToString();
                output.Append(ShortestPrefixValue(Encoding.UTF8.GetBytes(part)) is { } value ? Encoding.UTF8.GetString(Replacement(value)) : part);
            }
        }
        return output.ToString();
    }

    private ReadOnlySpan<byte> Replacement(uint offset)
    {
        if (offset >= _normalized.Length) throw new CheckpointException($"precompiled character map points at offset {offset} beyond its {_normalized.Length}-byte string blob; it is corrupt.");
        var rest = _normalized.AsSpan((int)offset);
        var end = rest.IndexOf((byte)0);
        return end < 0 ? rest : rest[..end];
    }

    private (int Length, uint Value) LongestPrefix(ReadOnlySpan<byte> key)
    {
        var best = (0, 0u);
        foreach (var match in CommonPrefixSearch(key)) best = match.Length > best.Item1 ? match : best;
        return best;
    }

    private uint? ShortestPrefixValue(ReadOnlySpan<byte> key)
    {
        foreach (var match in CommonPrefixSearch(key)) return match.Value;
        return null;
    }

    /// <summary>Darts-clone's <c>commonPrefixSearch</c>: every key that is a prefix of <paramref name="key"/>, shortest first.</summary>
    private List<(int Length, uint Value)> CommonPrefixSearch(ReadOnlySpan<byte> key)
    {
        var results = new List<(int, uint)>();
        uint nodePos = 0;
        var unit = Unit(nodePos);
        nodePos ^= Offset(unit);
        for (var i = 0; i < key.Length; i++)
        {
            nodePos ^= key[i];
            unit = Unit(nodePos);
            if (Label(unit) != key[i]) break;
            nodePos ^= Offset(unit);
            if (HasLeaf(unit)) results.Add((i + 1, Value(Unit(nodePos))));
        }
        return results;
    }

    private uint Unit(uint pos) => pos < _units.Length ? _units[pos] : 0;
    private static bool HasLeaf(uint unit) => ((unit >> 8) & 1) == 1;
    private static uint Value(uint unit) => unit & ((1u << 31) - 1);
    private static uint Label(uint unit) => unit & ((1u << 31) | 0xFF);
    private static uint Offset(uint unit) => (unit >> 10) << (int)((unit & (1u << 9)) >> 6);
}
