using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MedTune.Checkpoints.Tokenization;

/// <summary>
/// Writes the tokenizer of a builtin tiny model: BPE learned deterministically from a small embedded Japanese medical
/// corpus (including the Japanese Alpaca prompt template), with byte fallback so any text encodes without unknown tokens.
/// <c>llama</c>: a SentencePiece <c>tokenizer.model</c> as Llama 2 ships it; <c>gpt_neox</c>: a byte-level BPE
/// <c>tokenizer.json</c> as GPT-NeoX/OpenCALM ship it. The same call always writes byte-identical files.
/// </summary>
public static class BuiltinTokenizers
{
    public const string Llama = "llama";
    public const string GptNeoX = "gpt_neox";
    public static IReadOnlyList<string> Families { get; } = [Llama, GptNeoX];

    /// <summary>Largest vocabulary the builtin tokenizers grow to; merges also stop when no pair occurs twice.</summary>
    public const int TargetVocabSize = 2000;

    private const string CorpusResource = "MedTune.Checkpoints.Tokenization.BuiltinCorpusJapanese.txt";

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Writes the tokenizer files of <paramref name="family"/> into <paramref name="directory"/>; returns the vocabulary size.</summary>
    public static int Write(string family, string directory)
    {
        Directory.CreateDirectory(directory);
        return family switch
        {
            Llama => WriteSentencePiece(directory),
            GptNeoX => WriteByteLevelBpe(directory),
            _ => throw new ArgumentException($"Unknown builtin tokenizer family '{family}'; expected one of: {string.Join(", ", Families)}.", nameof(family)),
        };
    }

    /// <summary>The embedded training corpus, one sentence per line.</summary>
    public static IReadOnlyList<string> CorpusLines()
    {
        using var stream = typeof(BuiltinTokenizers).Assembly.GetManifestResourceStream(CorpusResource)
            ?? throw new InvalidOperationException($"embedded resource {CorpusResource} is missing from the build");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd().Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToArray();
    }

    private static int WriteSentencePiece(string directory)
    {
        const char Space = '▁';
        // Llama's normaliser: spaces become ▁ and a ▁ is prefixed; pieces never continue across a ▁.
        var words = CorpusLines()
            .SelectMany(line => SplitBefore(Space + line.Replace(' ', Space), Space))
            .Select(word => (IReadOnlyList<string>)CodePoints(word))
            .ToList();
        var characters = words.SelectMany(w => w).GroupBy(c => c, StringComparer.Ordinal)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.Key).ToList();

        var pieces = new List<SentencePiece>
        {
            new("<unk>", 0, SentencePieceType.Unknown),
            new("<s>", 0, SentencePieceType.Control),
            new("</s>", 0, SentencePieceType.Control),
        };
        for (var b = 0; b < 256; b++) pieces.Add(new SentencePiece($"<0x{b:X2}>", 0, SentencePieceType.Byte));

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var maxMerges = TargetVocabSize - pieces.Count - characters.Count;
        var score = 0f;
        foreach (var (left, right) in BpeTrainer.Train(words, Math.Max(0, maxMerges)))
        {
            if (seen.Add(left + right)) pieces.Add(new SentencePiece(left + right, score--, SentencePieceType.Normal));
        }
        foreach (var c in characters)
        {
            if (seen.Add(c)) pieces.Add(new SentencePiece(c, score--, SentencePieceType.Normal));
        }

        var model = new SentencePieceModel
        {
            Pieces = pieces,
            ModelType = SentencePieceModel.ModelTypeBpe,
            ByteFallback = true,
            UnknownId = 0,
            BosId = 1,
            EosId = 2,
            PadId = -1,
            NormalizerName = "identity",
            AddDummyPrefix = true,
            RemoveExtraWhitespaces = false,
            EscapeWhitespaces = true,
        };
        AtomicFile.WriteAllBytes(Path.Combine(directory, TextTokenizer.SentencePieceFile), model.ToBytes());
        WriteJson(directory, TokenizerConfigFiles.TokenizerConfig, new JsonObject
        {
            ["add_bos_token"] = true,
            ["add_eos_token"] = false,
            ["bos_token"] = "<s>",
            ["eos_token"] = "</s>",
            ["unk_token"] = "<unk>",
            ["pad_token"] = null,
            ["model_max_length"] = 2048,
            ["tokenizer_class"] = "LlamaTokenizer",
        });
        WriteJson(directory, TokenizerConfigFiles.SpecialTokensMap, new JsonObject
        {
            ["bos_token"] = "<s>",
            ["eos_token"] = "</s>",
            ["unk_token"] = "<unk>",
        });
        return pieces.Count;
    }

    private static int WriteByteLevelBpe(string directory)
    {
        string[] specials = ["<|endoftext|>", "<|padding|>"];
        var splitter = new Gpt2WordSplitter();
        var words = CorpusLines()
            .SelectMany(line => splitter.Split(line).Select(range => line[range]))
            .Select(word => (IReadOnlyList<string>)ByteLevelAlphabet.Encode(Encoding.UTF8.GetBytes(word)).Select(c => c.ToString()).ToArray())
            .ToList();

        var vocab = new JsonObject();
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        void Add(string token)
        {
            if (ids.ContainsKey(token)) return;
            ids[token] = ids.Count;
            vocab[token] = ids[token];
        }
        foreach (var s in specials) Add(s);
        for (var b = 0; b < 256; b++) Add(ByteLevelAlphabet.ToChar((byte)b).ToString());

        var merges = new JsonArray();
        foreach (var (left, right) in BpeTrainer.Train(words, TargetVocabSize - ids.Count))
        {
            merges.Add(left + " " + right);
            Add(left + right);
        }

        var byteLevel = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = true };
        var tokenizer = new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = new JsonArray(specials.Select((s, i) => (JsonNode)new JsonObject
            {
                ["id"] = i,
                ["content"] = s,
                ["single_word"] = false,
                ["lstrip"] = false,
                ["rstrip"] = false,
                ["normalized"] = false,
                ["special"] = true,
            }).ToArray()),
            ["normalizer"] = null,
            ["pre_tokenizer"] = byteLevel.DeepClone(),
            ["post_processor"] = byteLevel.DeepClone(),
            ["decoder"] = byteLevel.DeepClone(),
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["dropout"] = null,
                ["unk_token"] = null,
                ["continuing_subword_prefix"] = null,
                ["end_of_word_suffix"] = null,
                ["fuse_unk"] = false,
                ["byte_fallback"] = false,
                ["vocab"] = vocab,
                ["merges"] = merges,
            },
        };
        WriteJson(directory, TextTokenizer.TokenizerJsonFile, tokenizer);
        WriteJson(directory, TokenizerConfigFiles.TokenizerConfig, new JsonObject
        {
            ["add_bos_token"] = false,
            ["add_eos_token"] = false,
            ["bos_token"] = "<|endoftext|>",
            ["eos_token"] = "<|endoftext|>",
            ["unk_token"] = "<|endoftext|>",
            ["pad_token"] = "<|padding|>",
            ["model_max_length"] = 2048,
            ["tokenizer_class"] = "GPTNeoXTokenizer",
        });
        WriteJson(directory, TokenizerConfigFiles.SpecialTokensMap, new JsonObject
        {
            ["bos_token"] = "<|endoftext|>",
            ["eos_token"] = "<|endoftext|>",
            ["unk_token"] = "<|endoftext|>",
            ["pad_token"] = "<|padding|>",
        });
        return ids.Count;
    }

    private static IEnumerable<string> SplitBefore(string text, char separator)
    {
        var start = 0;
        for (var i = 1; i < text.Length; i++)
        {
            if (text[i] != separator) continue;
            yield return text[start..i];
            start = i;
        }
        yield return text[start..];
    }

    private static string[] CodePoints(string text) => text.EnumerateRunes().Select(r => r.ToString()).ToArray();

    private static void WriteJson(string directory, string name, JsonNode node) =>
        AtomicFile.WriteAllBytes(Path.Combine(directory, name), Encoding.UTF8.GetBytes(node.ToJsonString(JsonOptions) + "\n"));
}
