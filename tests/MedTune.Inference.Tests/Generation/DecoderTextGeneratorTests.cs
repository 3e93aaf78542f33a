using MedTune.Checkpoints.Tokenization;

namespace MedTune.Inference.Tests.Generation;

public sealed class DecoderTextGeneratorTests(GeneratorFixture fixture) : IClassFixture<GeneratorFixture>
{
    private static readonly string[] Prompts =
    [
        "### 指示：\n次の問題に答えなさい。\n### 応答：\n",
        "患者は",
        "急性心筋梗塞ではどれか。a. 発熱 b. 胸痛 c. 咳",
        "答え：",
        "血圧は142/88mmHg。",
    ];

    private TextTokenizer Tokenizer => fixture.Tokenizer;

    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(1.0, 0.9)]
    public void LeftPaddedBatchesEqualSinglePromptRuns(double temperature, double topP)
    {
        var options = new DecodingOptions { MaxNewTokens = 10, Temperature = temperature, TopP = topP, Seed = 5, BatchSize = 3 };
        using var batched = new DecoderTextGenerator(FakeDecoderModel.Hashing(Tokenizer.VocabSize + 40), Tokenizer);
        var together = batched.Generate(Prompts, options);

        var alone = new List<GeneratedText>();
        for (var i = 0; i < Prompts.Length; i++)
        {
            // A prompt's random stream is fixed by its index, so run each one at its own index with batch size 1.
            var model = FakeDecoderModel.Hashing(Tokenizer.VocabSize + 40);
            using var single = new DecoderTextGenerator(model, Tokenizer);
            var padded = Enumerable.Repeat(Prompts[i], i + 1).ToArray();
            alone.Add(single.Generate(padded, options with { BatchSize = 1 })[i]);
        }
        Assert.Equal(alone.Select(a => a.TokenIds), together.Select(t => t.TokenIds));
        Assert.Equal(alone.Select(a => a.Text), together.Select(t => t.Text));
        Assert.All(together, t => Assert.All(t.TokenIds, id => Assert.InRange(id, 0, Tokenizer.VocabSize - 1)));
        Assert.Contains(together, t => t.TokenIds.Count > 1);
    }

    [Fact]
    public void BatchSizeSplitsPromptsIntoSessions()
    {
        var model = FakeDecoderModel.Hashing(Tokenizer.VocabSize);
        using var generator = new DecoderTextGenerator(model, Tokenizer);
        generator.Generate(Prompts, new DecodingOptions { MaxNewTokens = 2, BatchSize = 2 });
        Assert.Equal(3, model.SessionsStarted);
        var prefill = model.Calls[0];
        Assert.Equal(Prompts.Take(2).Max(p => Tokenizer.Encode(p).Count), prefill.Seq);
    }

    [Fact]
    public void SamplingIsFixedBySeedAndChangesWithIt()
    {
        IReadOnlyList<GeneratedText> Run(int seed)
        {
            using var generator = new DecoderTextGenerator(FakeDecoderModel.Hashing(Tokenizer.VocabSize), Tokenizer);
            return generator.Generate(Prompts, new DecodingOptions { MaxNewTokens = 8, Temperature = 1.0, Seed = seed });
        }
        Assert.Equal(Run(7).Select(r => r.TokenIds), Run(7).Select(r => r.TokenIds));
        Assert.NotEqual(Run(7).Select(r => string.Join(",", r.TokenIds)), Run(8).Select(r => string.Join(",", r.TokenIds)));
    }

    [Fact]
    public void GreedyPicksTheLargestLogitEachStep()
    {
        var model = FakeDecoderModel.Hashing(Tokenizer.VocabSize);
        using var generator = new DecoderTextGenerator(model, Tokenizer);
        var result = generator.Generate(["患者は"], new DecodingOptions { MaxNewTokens = 4 })[0];
        var visible = Tokenizer.Encode("患者は").Select((t, i) => ((long)t, (long)i)).ToList();
        var reference = FakeDecoderModel.Hashing(Tokenizer.VocabSize);
        foreach (var id in result.TokenIds)
        {
            var logits = LogitsOf(reference, visible);
            Assert.Equal(TokenSampler.Greedy(logits, logits.Length), id);
            visible.Add((id, visible.Count));
        }
    }

    [Fact]
    public void EosEndsARowAndIsNotReturned()
    {
        var script = Tokenizer.Encode("答え：c", addBos: false).Append(Tokenizer.EosIds[0]).ToArray();
        var prompt = Tokenizer.Encode("問題", addBos: false);
        using var generator = new DecoderTextGenerator(ScriptAfter(prompt.Count, script), Tokenizer);
        var result = generator.Generate(["問題"], new DecodingOptions { MaxNewTokens = 50 })[0];
        Assert.Equal("eos", result.FinishReason);
        Assert.Equal("答え：c", result.Text);
        Assert.Equal(script[..^1], result.TokenIds);
    }

    [Fact]
    public void StopStringCutsTheTextWhereItStarts()
    {
        var script = Tokenizer.Encode("答え：c\n### 指示：次の問題", addBos: false).ToArray();
        var prompt = Tokenizer.Encode("問題", addBos: false);
        using var generator = new DecoderTextGenerator(ScriptAfter(prompt.Count, script), Tokenizer);
        var result = generator.Generate(["問題"], new DecodingOptions { MaxNewTokens = 50, StopStrings = ["###", "\n\n"] })[0];
        Assert.Equal("stop", result.FinishReason);
        Assert.Equal("答え：c\n", result.Text);
        Assert.True(result.TokenIds.Count < script.Length);
        Assert.Contains("###", Tokenizer.Decode(result.TokenIds));
    }

    [Fact]
    public void StreamedPiecesAddUpToTheTextAndNeverShowAStopStringsBeginning()
    {
        var script = Tokenizer.Encode("答え：c 鬱血\n##x #\n### 指示：次の問題", addBos: false).ToArray();
        var prompt = Tokenizer.Encode("問題", addBos: false);
        using var generator = new DecoderTextGenerator(ScriptAfter(prompt.Count, script), Tokenizer);
        var pieces = new List<string>();
        var result = generator.Generate(["問題"], new DecodingOptions { MaxNewTokens = 50, StopStrings = ["###"] },
            (index, piece) => { Assert.Equal(0, index); pieces.Add(piece); })[0];
        Assert.Equal("答え：c 鬱血\n##x #\n", result.Text);
        Assert.Equal(result.Text, string.Concat(pieces));
        Assert.True(pieces.Count > 3, $"streamed in {pieces.Count} pieces");
        Assert.DoesNotContain(pieces, p => p.Contains('\uFFFD'));
        // "##" is held back until "x" shows it is not a stop string; the final "#\n" is released when the row stops.
        Assert.Contains(pieces, p => p.StartsWith("##x", StringComparison.Ordinal) || p.EndsWith("##x", StringComparison.Ordinal) || p == "##x");
    }

    [Fact]
    public void StreamingReportsEachPromptOfABatchByItsIndex()
    {
        using var generator = new DecoderTextGenerator(FakeDecoderModel.Hashing(Tokenizer.VocabSize), Tokenizer);
        var streamed = new Dictionary<int, string>();
        var results = generator.Generate(Prompts, new DecodingOptions { MaxNewTokens = 6, BatchSize = 2 },
            (index, piece) => streamed[index] = streamed.GetValueOrDefault(index, "") + piece);
        for (var i = 0; i < Prompts.Length; i++) Assert.Equal(results[i].Text, streamed.GetValueOrDefault(i, ""));
    }

    [Fact]
    public void StopStringSplitOverByteTokensIsFound()
    {
        // 指 is one character spread over byte-level tokens when it is not in the vocabulary as a whole.
        var script = Tokenizer.Encode("c鬱の", addBos: false);
        var prompt = Tokenizer.Encode("問題", addBos: false);
        using var generator = new DecoderTextGenerator(ScriptAfter(prompt.Count, script), Tokenizer);
        var result = generator.Generate(["問題"], new DecodingOptions { MaxNewTokens = 50, StopStrings = ["鬱"] })[0];
        Assert.Equal("stop", result.FinishReason);
        Assert.Equal("c", result.Text);
    }

    [Fact]
    public void SentencePieceContinuationLosesItsDummyPrefixAndStopsOnAByteFallbackNewline()
    {
        var llama = fixture.LlamaTokenizer;
        var prompt = llama.Encode("問題");
        var script = llama.Encode("答えはc\n### 指示", addBos: false);
        Assert.Contains(llama.TokenToId("<0x0A>")!.Value, script);
        var model = FakeDecoderModel.Scripted(llama.VocabSize, visible => script[Math.Min(visible.Count - prompt.Count, script.Count - 1)]);
        using var generator = new DecoderTextGenerator(model, llama);
        var result = generator.Generate(["問題"], new DecodingOptions { MaxNewTokens = 50, StopStrings = ["\n"] })[0];
        Assert.Equal(("答えはc", "stop"), (result.Text, result.FinishReason));
        Assert.Equal((long)llama.BosId!.Value, model.Calls[0].Tokens[0]);
    }

    [Fact]
    public void MaxNewTokensLimitsLength()
    {
        using var generator = new DecoderTextGenerator(FakeDecoderModel.Hashing(Tokenizer.VocabSize), Tokenizer);
        var results = generator.Generate(Prompts, new DecodingOptions { MaxNewTokens = 3 });
        Assert.All(results, r => Assert.True(r.FinishReason == "length" && r.TokenIds.Count == 3 || r.FinishReason == "eos"));
        var none = generator.Generate(Prompts, new DecodingOptions { MaxNewTokens = 0 });
        Assert.All(none, r => Assert.Equal(("", 0, "length"), (r.Text, r.TokenIds.Count, r.FinishReason)));
    }

    [Fact]
    public void FinishedRowsFeedPaddingThatIsMaskedOut()
    {
        var shortScript = Tokenizer.Encode("a", addBos: false).Append(Tokenizer.EosIds[0]).ToArray();
        var longScript = Tokenizer.Encode("b c d e", addBos: false).Append(Tokenizer.EosIds[0]).ToArray();
        var first = Tokenizer.Encode("x", addBos: false);
        var second = Tokenizer.Encode("y", addBos: false);
        var model = FakeDecoderModel.Scripted(Tokenizer.VocabSize, visible =>
        {
            var (prompt, script) = visible[0] == first[0] ? (first, shortScript) : (second, longScript);
            return script[Math.Min(visible.Count - prompt.Count, script.Length - 1)];
        });
        using var generator = new DecoderTextGenerator(model, Tokenizer);
        var results = generator.Generate(["x", "y"], new DecodingOptions { MaxNewTokens = 20 });
        Assert.Equal(["a", "b c d e"], results.Select(r => r.Text));
        Assert.All(results, r => Assert.Equal("eos", r.FinishReason));
        var stepsAfterFirstFinished = model.Calls.Skip(2).ToArray(); // prefill, step feeding "a"; then row 0 is done
        Assert.NotEmpty(stepsAfterFirstFinished);
        foreach (var call in stepsAfterFirstFinished)
        {
            Assert.Equal(Tokenizer.PadId, call.Tokens[0]);
            Assert.Equal(0, call.AttentionMask[call.PastLength]); // row 0's newest column
            Assert.Equal(1, call.AttentionMask[2 * (call.PastLength + 1) - 1]); // row 1's newest column
        }
    }

    [Fact]
    public void PositionsContinueFromEachRowsRealLength()
    {
        var model = FakeDecoderModel.Hashing(Tokenizer.VocabSize);
        using var generator = new DecoderTextGenerator(model, Tokenizer);
        var prompts = new[] { "患者は", "急性心筋梗塞ではどれか。" };
        generator.Generate(prompts, new DecodingOptions { MaxNewTokens = 3 });
        var lengths = prompts.Select(p => Tokenizer.Encode(p).Count).ToArray();
        var firstStep = model.Calls[1];
        Assert.Equal([lengths[0], lengths[1]], firstStep.PositionIds);
    }

    [Fact]
    public void InvalidOptionsAreRejected()
    {
        using var generator = new DecoderTextGenerator(FakeDecoderModel.Hashing(Tokenizer.VocabSize), Tokenizer);
        Assert.Throws<ArgumentOutOfRangeException>(() => generator.Generate(["a"], new DecodingOptions { TopP = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => generator.Generate(["a"], new DecodingOptions { Temperature = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => generator.Generate(["a"], new DecodingOptions { BatchSize = 0 }));
        Assert.Throws<ArgumentException>(() => generator.Generate([""], new DecodingOptions()));
    }

    [Fact]
    public void ModelSmallerThanTokenizerIsRejected() =>
        Assert.Throws<ArgumentException>(() => new DecoderTextGenerator(FakeDecoderModel.Hashing(10), Tokenizer));

    [Fact]
    public void DisposingTheGeneratorDisposesTheModel()
    {
        var model = FakeDecoderModel.Hashing(Tokenizer.VocabSize);
        new DecoderTextGenerator(model, Tokenizer).Dispose();
        Assert.True(model.Disposed);
    }

    /// <summary>A model that, once <paramref name="promptLength"/> tokens are visible, emits <paramref name="script"/> in order.</summary>
    private FakeDecoderModel ScriptAfter(int promptLength, IReadOnlyList<int> script) =>
        FakeDecoderModel.Scripted(Tokenizer.VocabSize, visible => script[Math.Min(visible.Count - promptLength, script.Count - 1)]);

    internal static float[] LogitsOf(FakeDecoderModel model, IReadOnlyList<(long Token, long Position)> visible)
    {
        using var session = model.StartSession(1);
        var tokens = visible.Select(v => v.Token).ToArray();
        return session.Forward(tokens, Enumerable.Repeat(1L, tokens.Length).ToArray(), visible.Select(v => v.Position).ToArray(), tokens.Length, allPositions: false);
    }
}
