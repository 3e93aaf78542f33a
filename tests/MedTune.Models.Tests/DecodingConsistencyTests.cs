using static TorchSharp.torch;

namespace MedTune.Models.Tests;

/// <summary>Incremental decoding and padding must not change what the model computes.</summary>
public class DecodingConsistencyTests
{
    private static readonly long[] Tokens = [1, 17, 200, 45, 99, 3, 250, 12, 7, 81];

    [Theory]
    [MemberData(nameof(Fixtures.Names), MemberType = typeof(Fixtures))]
    public void Kv_cache_incremental_decode_equals_the_full_forward(string name)
    {
        using var model = ModelLoader.Load(Fixtures.Directory(name));
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var full = model.Forward(tensor(Tokens, [1, Tokens.Length]));

        using var cache = model.CreateCache();
        var prefill = model.Forward(tensor(Tokens[..4], [1, 4]), cache: cache);
        var pieces = new List<Tensor> { prefill };
        for (var i = 4; i < Tokens.Length; i++)
            pieces.Add(model.Forward(tensor(new[] { Tokens[i] }, [1, 1]), cache: cache));
        Assert.Equal(Tokens.Length, cache.Length);
        var incremental = cat(pieces, 1);
        var worst = (incremental - full).abs().max().item<float>();
        Assert.True(worst < 1e-5f, $"incremental decode differs from the full forward by {worst:E2}");
    }

    [Theory]
    [MemberData(nameof(Fixtures.Names), MemberType = typeof(Fixtures))]
    public void Left_padded_row_equals_the_unpadded_sequence(string name)
    {
        using var model = ModelLoader.Load(Fixtures.Directory(name));
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        long[] shortRow = [1, 17, 200, 45, 99];
        var single = model.Forward(tensor(shortRow, [1, 5]));

        long[][] ids = [[0, 0, 0, .. shortRow], Tokens[..8]];
        long[][] mask = [[0, 0, 0, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 1, 1]];
        var maskTensor = ReferenceParityTests.Tensor2D(mask);
        var batch = model.Forward(ReferenceParityTests.Tensor2D(ids), maskTensor, PositionIds.FromAttentionMask(maskTensor, 8));
        var padded = batch[0].narrow(0, 3, 5);
        var worst = (padded - single[0]).abs().max().item<float>();
        Assert.True(worst < 1e-5f, $"left padding changed the logits by {worst:E2}");
    }

    [Fact]
    public void Left_padded_batch_decodes_through_the_cache_like_unpadded_sequences()
    {
        using var decoder = new TorchDecoderModel(ModelLoader.Load(Fixtures.Directory("tiny-llama-gqa")));
        long[] a = [1, 17, 200], b = [7, 81, 33, 160, 5];
        long[] next = [42];
        float[] Alone(long[] prompt)
        {
            using var session = decoder.StartSession(1);
            session.Forward(prompt, Enumerable.Repeat(1L, prompt.Length).ToArray(), Enumerable.Range(0, prompt.Length).Select(i => (long)i).ToArray(), prompt.Length, false);
            var mask = Enumerable.Repeat(1L, prompt.Length + 1).ToArray();
            return session.Forward(next, mask, [prompt.Length], 1, false);
        }

        using var batch = decoder.StartSession(2);
        batch.Forward([0, 0, .. a, .. b], [0, 0, 1, 1, 1, 1, 1, 1, 1, 1], [1, 1, 0, 1, 2, 0, 1, 2, 3, 4], 5, false);
        var step = batch.Forward([42, 42], [0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], [3, 5], 1, false);
        var vocab = decoder.VocabSize;
        AssertClose(Alone(a), step[..vocab]);
        AssertClose(Alone(b), step[vocab..]);
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        var worst = expected.Zip(actual, (x, y) => Math.Abs(x - y)).Max();
        Assert.True(worst < 1e-5f, $"max |Δ| {worst:E2}");
    }
}
