namespace MedTune.Checkpoints.Tokenization;

/// <summary>
/// GPT-2's reversible map between the 256 byte values and printable characters (<c>bytes_to_unicode</c>):
/// byte-level BPE vocabularies spell every token with these characters, e.g. a space is <c>Ġ</c>.
/// </summary>
public static class ByteLevelAlphabet
{
    private static readonly char[] ByteToChar = BuildByteToChar();
    private static readonly Dictionary<char, byte> CharToByte = Enumerable.Range(0, 256).ToDictionary(b => ByteToChar[b], b => (byte)b);

    private static char[] BuildByteToChar()
    {
        var map = new char[256];
        var assigned = new bool[256];
        foreach (var (from, to) in new[] { ('!', '~'), ('¡', '¬'), ('®', 'ÿ') })
        {
            for (var c = from; c <= to; c++)
            {
                map[c] = c;
                assigned[c] = true;
            }
        }
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            if (!assigned[b]) map[b] = (char)next++;
        }
        return map;
    }

    public static char ToChar(byte value) => ByteToChar[value];

    /// <summary>The byte-level spelling of <paramref name="text"/>'s UTF-8 bytes.</summary>
    public static string Encode(ReadOnlySpan<byte> utf8) => string.Create(utf8.Length, utf8.ToArray(), (span, bytes) =>
    {
        for (var i = 0; i < bytes.Length; i++) span[i] = ByteToChar[bytes[i]];
    });

    /// <summary>Bytes spelled by <paramref name="token"/>, or null when it contains a character outside the alphabet.</summary>
    public static byte[]? Decode(string token)
    {
        var bytes = new byte[token.Length];
        for (var i = 0; i < token.Length; i++)
        {
            if (!CharToByte.TryGetValue(token[i], out bytes[i])) return null;
        }
        return bytes;
    }
}
