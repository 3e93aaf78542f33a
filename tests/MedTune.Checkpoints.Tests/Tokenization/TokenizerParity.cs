using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using MedTune.Checkpoints.Tokenization;
using MedTune.Testing;

namespace MedTune.Checkpoints.Tests.Tokenization;

/// <summary>
/// One vocabulary's expected ids and decoded text from Hugging Face tokenizers (eng/reference/tokenizer_parity/
/// hf_reference.mjs), and how many of its texts <see cref="TextTokenizer"/> matches.
/// </summary>
internal sealed record TokenizerParity(
    string Name, int Texts, int EncodeMatches, int DecodeMatches, int RandomTexts, int RandomMatches,
    int CutOffDecodes, int CutOffDecodeMatches, IReadOnlyList<string> Mismatches)
{
    public static string FixtureDirectory => Path.Combine(AppContext.BaseDirectory, "Fixtures", "TokenizerParity");

    /// <summary>Where eng/ci/install-npm-fixtures.sh puts the vocabularies too large to commit.</summary>
    public static string NpmDirectory => Path.Combine(SharedData.RepoRoot, "artifacts", "npm");

    /// <summary>
    /// Loads <paramref name="tokenizerFile"/> (a tokenizer.model, or a tokenizer.json with the expected file's variant applied) alone in a directory and compares
    /// encode (with and without BOS) and decode on every text of <c>expected/{name}.json</c>.
    /// </summary>
    public static TokenizerParity Measure(string name, string tokenizerFile)
    {
        var expected = JsonNode.Parse(File.ReadAllText(Path.Combine(FixtureDirectory, "expected", name + ".json")))!;
        var bytes = File.ReadAllBytes(tokenizerFile);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        Assert.True(sha == expected["tokenizer_sha256"]!.GetValue<string>(),
            $"{tokenizerFile} is not the file the expected ids of {name} were made from (sha256 {sha}); run eng/ci/install-npm-fixtures.sh again.");

        using var temp = new TempDirectory();
        if (Path.GetFileName(tokenizerFile) == TextTokenizer.SentencePieceFile)
        {
            File.WriteAllBytes(temp.File(TextTokenizer.SentencePieceFile), bytes);
            return Compare(name, TextTokenizer.Load(temp.Path), expected);
        }
        var json = JsonNode.Parse(bytes)!;
        switch (expected["variant"]!.GetValue<string>())
        {
            case "as-is":
                break;
            case "metaspace-first":
                json["normalizer"] = null;
                json["pre_tokenizer"] = new JsonObject { ["type"] = "Metaspace", ["replacement"] = "▁", ["prepend_scheme"] = "first", ["split"] = false };
                break;
            case "precompiled":
                var charsMap = File.ReadAllBytes(Path.Combine(FixtureDirectory, expected["charsmap"]!.GetValue<string>()));
                var precompiled = new JsonObject { ["type"] = "Precompiled", ["precompiled_charsmap"] = Convert.ToBase64String(charsMap) };
                var existing = json["normalizer"]?.DeepClone();
                json["normalizer"] = new JsonObject { ["type"] = "Sequence", ["normalizers"] = existing is null ? new JsonArray(precompiled) : new JsonArray(precompiled, existing) };
                break;
            case var other:
                throw new InvalidOperationException($"unknown variant {other}");
        }
        File.WriteAllText(temp.File(TextTokenizer.TokenizerJsonFile), json.ToJsonString());
        return Compare(name, TextTokenizer.Load(temp.Path), expected);
    }

    private static TokenizerParity Compare(string name, TextTokenizer tokenizer, JsonNode expected)
    {
        var mismatches = new List<string>();
        var (texts, encodeMatches, decodeMatches) = CompareCases(tokenizer, expected["cases"]!.AsArray(), mismatches);
        // Random texts count as matching only when encode and decode both match.
        var randomMismatches = new List<string>();
        var (randomTexts, _, _) = CompareCases(tokenizer, expected["random_cases"]?.AsArray() ?? [], randomMismatches);
        mismatches.AddRange(randomMismatches);
        var randomMatches = randomTexts - randomMismatches.Count;

        // Every prefix of the ids of the texts with the most byte tokens: decoding a generation cut inside a character.
        int cutOff = 0, cutOffMatches = 0;
        foreach (var item in expected["prefixes"]?.AsArray() ?? [])
        {
            var ids = item!["ids"]!.AsArray().Select(n => n!.GetValue<int>()).ToArray();
            var decoded = item["decoded"]!.GetValue<string>();
            cutOff++;
            var ourText = tokenizer.Decode(ids);
            if (ourText == decoded) cutOffMatches++;
            else mismatches.Add($"decode [{string.Join(' ', ids)}]: HF {JsonSerializer.Serialize(decoded)}, medtune {JsonSerializer.Serialize(ourText)}");
        }
        return new TokenizerParity(name, texts, encodeMatches, decodeMatches, randomTexts, randomMatches, cutOff, cutOffMatches, mismatches);
    }

    private static (int Texts, int EncodeMatches, int DecodeMatches) CompareCases(TextTokenizer tokenizer, JsonArray cases, List<string> mismatches)
    {
        int texts = 0, encodeMatches = 0, decodeMatches = 0;
        foreach (var item in cases)
        {
            var text = item!["text"]!.GetValue<string>();
            var ids = item["ids"]!.AsArray().Select(n => n!.GetValue<int>()).ToArray();
            var withSpecial = item["ids_with_special"]!.AsArray().Select(n => n!.GetValue<int>()).ToArray();
            var decoded = item["decoded"]!.GetValue<string>();
            texts++;
            var ours = tokenizer.Encode(text, addBos: false).ToArray();
            var oursWithBos = tokenizer.Encode(text, addBos: true).ToArray();
            var encodeOk = ours.SequenceEqual(ids) && oursWithBos.SequenceEqual(withSpecial);
            if (encodeOk) encodeMatches++;
            else mismatches.Add($"encode {JsonSerializer.Serialize(text)}: HF [{string.Join(' ', withSpecial)}], medtune [{string.Join(' ', oursWithBos)}]");
            var ourText = tokenizer.Decode(ids);
            if (ourText == decoded) decodeMatches++;
            else if (encodeOk) mismatches.Add($"decode {JsonSerializer.Serialize(text)}: HF {JsonSerializer.Serialize(decoded)}, medtune {JsonSerializer.Serialize(ourText)}");
            else mismatches[^1] += $"; decode also differs: HF {JsonSerializer.Serialize(decoded)}, medtune {JsonSerializer.Serialize(ourText)}";
        }
        return (texts, encodeMatches, decodeMatches);
    }
}
