using MedTune.Checkpoints.Tokenization;
using MedTune.Inference;
using MedTune.Models;
using MedTune.Testing;
using Microsoft.ML.OnnxRuntimeGenAI;
using Xunit.Abstractions;

namespace MedTune.Export.Tests;

/// <summary>
/// ONNX Runtime GenAI end to end from text: the exported directory carries the tokenizer files GenAI reads, so GenAI
/// encodes the prompt, generates and decodes by itself — and agrees with medtune's tokenizer and greedy decoding.
/// </summary>
public sealed class GenAiTokenizerTests(ITestOutputHelper output)
{
    private const string Prompt = "以下は、タスクを説明する指示です。\n\n### 指示：\n糖尿病の三大合併症を挙げよ。\n\n### 応答：\n";

    /// <remarks>
    /// GenAI reads tokenizer.json: GPT-NeoX ships one; the SentencePiece Llama's is written by the export from its
    /// tokenizer.model (SentencePieceTokenizerJson).
    /// </remarks>
    [Theory]
    [InlineData(BuiltinModels.TinyNeoX)]
    [InlineData(BuiltinModels.TinyLlama)]
    public void GenAi_tokenizes_generates_and_decodes_text_by_itself(string builtin)
    {
        using var work = new TempDirectory();
        var checkpoint = work.File("checkpoint");
        var exported = work.File("onnx");
        BuiltinModels.Create(builtin, checkpoint, seed: 42);
        var result = OnnxExporter.Export(checkpoint, exported, new ExportOptions());
        Assert.Null(result.TokenizerJsonNotWritten);
        Assert.Contains(TextTokenizer.TokenizerJsonFile, result.CopiedFiles);
        var ours = TextTokenizer.Load(exported);

        using var model = new Model(exported);
        using var tokenizer = new Tokenizer(model);
        // GenAI 0.18 adds BOS (tokenizer_config.json add_bos_token) only when asked to add special tokens.
        tokenizer.UpdateOptions(new Dictionary<string, string> { ["add_special_tokens"] = "true" });
        using var sequences = tokenizer.Encode(Prompt);
        var theirIds = sequences[0].ToArray();
        output.WriteLine($"medtune [{string.Join(",", ours.Encode(Prompt))}]\ngenai   [{string.Join(",", theirIds)}]");
        Assert.Equal(ours.Encode(Prompt), theirIds);
        Assert.Equal(Prompt, tokenizer.Decode(theirIds));

        // The parity texts too (Japanese exam text, English, spaces, newlines, emoji, half-width kana), except those holding a
        // special token's spelling, which tokenizer.json reads as that token and SentencePiece as characters.
        string[] specials = ["<s>", "</s>", "<unk>", "<|endoftext|>", "<|padding|>"];
        var texts = ParityTexts().Where(t => t.Length > 0 && !specials.Any(s => t.Contains(s, StringComparison.Ordinal))).ToList();
        var mismatches = new List<string>();
        foreach (var text in texts)
        {
            using var encoded = tokenizer.Encode(text);
            var ids = encoded[0].ToArray();
            if (!ours.Encode(text).SequenceEqual(ids))
                mismatches.Add($"encode {System.Text.Json.JsonSerializer.Serialize(text)}: medtune [{string.Join(",", ours.Encode(text))}] genai [{string.Join(",", ids)}]");
            else if (tokenizer.Decode(ids) != ours.Decode(ids))
                mismatches.Add($"decode {System.Text.Json.JsonSerializer.Serialize(text)}: medtune {ours.Decode(ids)} genai {tokenizer.Decode(ids)}");
        }
        output.WriteLine($"{builtin}: GenAI encodes and decodes {texts.Count - mismatches.Count}/{texts.Count} parity texts as medtune");
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
        Assert.True(texts.Count >= 20, $"only {texts.Count} parity texts");

        using var parameters = new GeneratorParams(model);
        parameters.SetSearchOption("max_length", theirIds.Length + 16);
        using var generator = new Generator(model, parameters);
        generator.AppendTokenSequences(sequences);
        while (!generator.IsDone()) generator.GenerateNextToken();
        var generated = generator.GetSequence(0).ToArray().Skip(theirIds.Length).ToArray();
        var theirText = tokenizer.Decode(generated);

        using var medtune = new DecoderTextGenerator(new OnnxDecoderModel(exported, "cpu"), ours);
        var expected = medtune.Generate([Prompt], new DecodingOptions { MaxNewTokens = 16 })[0];
        output.WriteLine($"medtune: {expected.Text}\ngenai:   {theirText}");
        Assert.Equal(expected.TokenIds, generated.Where(t => !ours.EosIds.Contains(t)));
        // The random tiny model emits byte tokens that are not whole UTF-8 characters; GenAI stops decoding at the first
        // such byte where medtune writes U+FFFD, so the texts agree up to there.
        var valid = expected.Text.IndexOf('\uFFFD') is var bad and >= 0 ? expected.Text[..bad] : expected.Text;
        Assert.StartsWith(valid, theirText);
        Assert.NotEmpty(theirText);
    }

    /// <summary>A SentencePiece model the converter refuses is exported as before, without tokenizer.json, and says why.</summary>
    [Fact]
    public void Export_without_a_convertible_tokenizer_model_writes_no_tokenizer_json_and_says_why()
    {
        using var work = new TempDirectory();
        var checkpoint = work.File("checkpoint");
        var exported = work.File("onnx");
        BuiltinModels.Create(BuiltinModels.TinyLlama, checkpoint, seed: 42);
        var modelPath = Path.Combine(checkpoint, TextTokenizer.SentencePieceFile);
        var model = SentencePieceModel.Parse(File.ReadAllBytes(modelPath));
        File.WriteAllBytes(modelPath, (model with { RemoveExtraWhitespaces = true }).ToBytes());

        var result = OnnxExporter.Export(checkpoint, exported, new ExportOptions());

        Assert.Contains("remove_extra_whitespaces", result.TokenizerJsonNotWritten);
        Assert.Contains(TextTokenizer.SentencePieceFile, result.TokenizerJsonNotWritten);
        Assert.False(File.Exists(Path.Combine(exported, TextTokenizer.TokenizerJsonFile)));
        Assert.DoesNotContain(TextTokenizer.TokenizerJsonFile, result.CopiedFiles);
        Assert.Empty(Directory.GetFiles(exported, ".medtune-tmp-*"));
        Assert.Equal(model.Pieces.Count, TextTokenizer.Load(exported).VocabSize);
    }

    private static IEnumerable<string> ParityTexts() =>
        System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(SharedData.RepoRoot, "eng", "reference", "tokenizer_parity", "texts.json")))!
            .AsArray().Select(t => t!.GetValue<string>());
}
