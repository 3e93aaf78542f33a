using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace MedTune.Models.Tests;

/// <summary>TorchSharp forward passes against the independent NumPy reference (eng/reference/hf_reference.py).</summary>
public class ReferenceParityTests
{
    private const float Tolerance = 1e-4f;

    [Theory]
    [MemberData(nameof(Fixtures.Names), MemberType = typeof(Fixtures))]
    public void Logits_match_the_numpy_reference(string name)
    {
        using var model = ModelLoader.Load(Fixtures.Directory(name));
        var inputs = Fixtures.Inputs(name)["cases"]!.AsArray();
        var references = Fixtures.Reference(name)["cases"]!.AsArray();
        Assert.Equal(inputs.Count, references.Count);
        for (var c = 0; c < inputs.Count; c++)
        {
            var ids = Fixtures.Ints(inputs[c]!["input_ids"]!);
            var mask = Fixtures.Ints(inputs[c]!["attention_mask"]!);
            var expectedPositions = Fixtures.Ints(references[c]!["position_ids"]!);
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var maskTensor = Tensor2D(mask);
            var positions = PositionIds.FromAttentionMask(maskTensor, ids[0].Length);
            Assert.Equal(expectedPositions.SelectMany(r => r), positions.data<long>().ToArray());
            var logits = model.Forward(Tensor2D(ids), maskTensor, positions);
            var expected = references[c]!["logits"]!.AsArray();
            for (var b = 0; b < ids.Length; b++)
            for (var s = 0; s < ids[b].Length; s++)
            {
                if (mask[b][s] == 0) continue; // padding positions' outputs are never used
                var actualRow = logits[b, s].data<float>().ToArray();
                var expectedRow = expected[b]![s]!.AsArray().Select(v => v!.GetValue<float>()).ToArray();
                var worst = actualRow.Zip(expectedRow, (x, y) => Math.Abs(x - y)).Max();
                Assert.True(worst <= Tolerance, $"{name} case {inputs[c]!["name"]} row {b} position {s}: max |Δlogit| {worst:E2} > {Tolerance:E0}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Fixtures.Names), MemberType = typeof(Fixtures))]
    public void Greedy_tokens_with_the_kv_cache_match_the_reference(string name)
    {
        using var decoder = new TorchDecoderModel(ModelLoader.Load(Fixtures.Directory(name)));
        foreach (var run in Fixtures.Inputs(name)["greedy"]!.AsArray())
        {
            var prompt = run!["prompt"]!.AsArray().Select(v => v!.GetValue<long>()).ToList();
            var steps = run["steps"]!.GetValue<int>();
            var expected = Fixtures.Reference(name)["greedy"]!.AsArray().Single(g => g!["name"]!.GetValue<string>() == run["name"]!.GetValue<string>())!
                ["tokens"]!.AsArray().Select(v => v!.GetValue<long>()).ToList();
            using var session = decoder.StartSession(1);
            var generated = new List<long>();
            var next = prompt.ToArray();
            for (var step = 0; step < steps; step++)
            {
                var past = session.PastLength;
                var mask = Enumerable.Repeat(1L, past + next.Length).ToArray();
                var positions = Enumerable.Range(past, next.Length).Select(p => (long)p).ToArray();
                var logits = session.Forward(next, mask, positions, next.Length, allPositions: false);
                var best = Array.IndexOf(logits, logits.Max());
                generated.Add(best);
                next = [best];
            }
            Assert.Equal(expected, generated);
        }
    }

    internal static Tensor Tensor2D(long[][] rows) =>
        tensor(rows.SelectMany(r => r).ToArray(), [rows.Length, rows[0].Length]);
}
