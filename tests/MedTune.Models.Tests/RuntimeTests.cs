using MedTune.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace MedTune.Models.Tests;

/// <summary>Tensor counts are process-wide, so this runs while no other test creates tensors.</summary>
[CollectionDefinition(nameof(TensorCountingCollection), DisableParallelization = true)]
public class TensorCountingCollection;

[Collection(nameof(TensorCountingCollection))]
public class TensorLifetimeTests
{
    [Fact]
    public void Repeated_forwards_leave_no_live_tensors_behind()
    {
        using var model = ModelLoader.Load(Fixtures.Directory("tiny-llama-gqa"));
        var ids = tensor(new long[] { 1, 2, 3, 4, 5, 6 }, [2, 3]);
        var mask = tensor(new long[] { 0, 1, 1, 1, 1, 1 }, [2, 3]);
        var nextIds = ids.narrow(1, 0, 1);
        var nextMask = cat([mask, ones(2, 1, ScalarType.Int64)], 1);
        void Run()
        {
            using var noGrad = no_grad();
            using var cache = model.CreateCache();
            using var positions = PositionIds.FromAttentionMask(mask, 3);
            using var logits = model.Forward(ids, mask, positions, cache);
            using var next = model.Forward(nextIds, nextMask, cache: cache);
        }
        Run(); // warm-up: lazily created tensors
        // Finalise tensors other tests dropped, so that the global count moves only because of this loop.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var before = Tensor.TotalCount;
        var liveBefore = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (var i = 0; i < 50; i++) Run();
        Assert.Equal(before, Tensor.TotalCount);
        Assert.Equal(liveBefore, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}

public class RuntimeTests
{
    [Fact]
    public void Decoder_sessions_validate_their_inputs_and_track_the_past()
    {
        using var decoder = new TorchDecoderModel(ModelLoader.Load(Fixtures.Directory("tiny-neox")));
        using var session = decoder.StartSession(2);
        Assert.Throws<ArgumentException>(() => session.Forward([1, 2, 3], [1, 1, 1, 1], [0, 1, 0, 1], 2, false));
        var all = session.Forward([1, 2, 3, 4], [1, 1, 1, 1], [0, 1, 0, 1], 2, allPositions: true);
        Assert.Equal(2 * 2 * decoder.VocabSize, all.Length);
        Assert.Equal(2, session.PastLength);
        Assert.Throws<ArgumentException>(() => session.Forward([5, 6], [1, 1, 1, 1], [2, 2], 1, false));
        var last = session.Forward([5, 6], [1, 1, 1, 1, 1, 1], [2, 2], 1, allPositions: false);
        Assert.Equal(2 * decoder.VocabSize, last.Length);
        Assert.All(last, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Linear_rope_scaling_divides_the_frequencies_by_the_factor()
    {
        var plain = new RotaryEmbedding(8, 10000);
        var linear = new RotaryEmbedding(8, 10000, new RopeScaling("linear", 4));
        Assert.Equal(plain.Frequencies.Select(f => f / 4), linear.Frequencies);
        Assert.Equal([1f, 0.1f, 0.01f, 0.001f], plain.Frequencies.Select(f => MathF.Round(f, 6)));
    }

    [Fact]
    public void Llama3_rope_scaling_keeps_short_wavelengths_and_slows_long_ones()
    {
        var scaling = new RopeScaling("llama3", 8, 1, 4, 64);
        var plain = new RotaryEmbedding(16, 10000);
        var scaled = new RotaryEmbedding(16, 10000, scaling);
        Assert.Equal(plain.Frequencies[0], scaled.Frequencies[0]);            // wavelength 6.3 < 16
        Assert.Equal(plain.Frequencies[7] / 8, scaled.Frequencies[7], 1e-9f); // wavelength ≫ 64
        Assert.InRange(scaled.Frequencies[1], plain.Frequencies[1] / 8, plain.Frequencies[1]);
    }

    [Fact]
    public void Seeded_weights_are_deterministic_and_depend_on_the_seed()
    {
        var config = TinyConfigs.Llama();
        using var a = SeededWeights.Create(config, 7);
        using var b = SeededWeights.Create(config, 7);
        using var c = SeededWeights.Create(config, 8);
        var first = a.named_parameters().First().parameter;
        Assert.True(first.eq(b.named_parameters().First().parameter).all().item<bool>());
        Assert.False(first.eq(c.named_parameters().First().parameter).all().item<bool>());
        var std = first.std().item<float>();
        Assert.InRange(std, 0.015f, 0.025f);
    }
}
