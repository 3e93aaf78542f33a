using MedTune.Checkpoints.Tokenization;
using MedTune.Testing;

namespace MedTune.Inference.Tests.Tokenization;

/// <summary>
/// Reference data made by eng/reference/make_fixtures.sh with real SentencePiece (spm_train/spm_encode/spm_decode)
/// and an independent Python byte-level BPE encoder; tests never need those tools.
/// </summary>
internal static class TokenizerFixtures
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Fixtures", "Tokenization");

    public static string File(string name) => Path.Combine(Directory, name);

    /// <summary>Non-empty lines of a fixture text file; <c>\n</c> and <c>\t</c> escapes stand for newline and tab where asked.</summary>
    public static string[] Lines(string name, bool unescape = false) =>
        System.IO.File.ReadAllText(File(name)).Split('\n').Where(l => l.Length > 0)
            .Select(l => unescape ? l.Replace("\\n", "\n") : l).ToArray();

    public static int[][] Ids(string name) =>
        Lines(name).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray()).ToArray();

    /// <summary>Writes a builtin tokenizer into a fresh directory and loads it.</summary>
    public static TextTokenizer Builtin(string family, TempDirectory temp)
    {
        var directory = Path.Combine(temp.Path, family);
        BuiltinTokenizers.Write(family, directory);
        return TextTokenizer.Load(directory);
    }
}
