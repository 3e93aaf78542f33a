using System.Text;
using MedTune.Checkpoints.Tokenization;

namespace MedTune.Inference.Tests.Generation;

public sealed class ScoreContinuationsTests(GeneratorFixture fixture) : IClassFixture<GeneratorFixture>
{
    private static readonly (string Context, string Continuation)[] Pairs =
    [
        ("問題：急性心筋梗塞で上昇するのはどれか。\n答え：", "トロポニンT"),
        ("問題：急性心筋梗塞で上昇するのはどれか。\n答え：", "アミラーゼ"),
        ("患者は", "発熱"),
        ("The answer is", " c"),
    ];

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void SumsLogSoftmaxOfContinuationTokens(bool llama)
    {
        var tokenizer = llama ? fixture.LlamaTokenizer : fixture.Tokenizer;
        using var generator = new DecoderTextGenerator(FakeDecoderModel.Hashing(tokenizer.VocabSize + 5), tokenizer, scoringBatchSize: 3);
        var scores = generator.ScoreContinuations(Pairs);
        var reference = FakeDecoderModel.Hashing(tokenizer.VocabSize + 5);
        for (var i = 0; i < Pairs.Length; i++)
        {
            var (context, continuation) = Pairs[i];
            var contextIds = tokenizer.Encode(context);
            var whole = tokenizer.Encode(context + continuation);
            var expected = 0.0;
            for (var j = contextIds.Count; j < whole.Count; j++)
            {
                var visible = whole.Take(j).Select((t, p) => ((long)t, (long)p)).ToList();
                var logits = DecoderTextGeneratorTests.LogitsOf(reference, visible);
                double max = logits.Max();
                expected += logits[whole[j]] - max - Math.Log(logits.Sum(l => Math.Exp((double)l - max)));
            }
            Assert.Equal(expected, scores[i].LogProbability, 1e-9);
            Assert.Equal(whole.Count - contextIds.Count, scores[i].TokenCount);
            Assert.Equal(Encoding.UTF8.GetByteCount(continuation), scores[i].ByteCount);
            Assert.True(scores[i].LogProbability < 0);
        }
    }

    [Fact]
    public void BatchingDoesNotChangeScores()
    {
        var tokenizer = fixture.Tokenizer;
        using var batched = new DecoderTextGenerator(FakeDecoderModel.Hashing(tokenizer.VocabSize), tokenizer, scoringBatchSize: 4);
        using var single = new DecoderTextGenerator(FakeDecoderModel.Hashing(tokenizer.VocabSize), tokenizer, scoringBatchSize: 1);
        Assert.Equal(single.ScoreContinuations(Pairs).Select(s => s.LogProbability), batched.ScoreContinuations(Pairs).Select(s => s.LogProbability));
    }

    [Fact]
    public void TrailingContextSpaceMovesToTheContinuation()
    {
        var tokenizer = fixture.Tokenizer;
        using var generator = new DecoderTextGenerator(FakeDecoderModel.Hashing(tokenizer.VocabSize), tokenizer);
        var scores = generator.ScoreContinuations([("The answer is ", "c"), ("The answer is", " c")]);
        Assert.Equal(scores[1].LogProbability, scores[0].LogProbability);
        Assert.Equal(scores[1].TokenCount, scores[0].TokenCount);
        Assert.Equal(1, scores[0].ByteCount); // bytes of the continuation as given
    }

    [Fact]
    public void EmptyContinuationScoresZeroAndEmptyContextConditionsOnEndOfText()
    {
        var tokenizer = fixture.Tokenizer;
        var model = FakeDecoderModel.Hashing(tokenizer.VocabSize);
        using var generator = new DecoderTextGenerator(model, tokenizer);
        var scores = generator.ScoreContinuations([("患者は", ""), ("", "患者")]);
        Assert.Equal(new ContinuationScore(0, 0, 0), scores[0]);
        Assert.Equal(tokenizer.Encode("患者").Count, scores[1].TokenCount);
        Assert.Equal(tokenizer.EosIds[0], model.Calls.Single().Tokens[0]); // GPT-NeoX: no BOS, so <|endoftext|> leads
    }
}
