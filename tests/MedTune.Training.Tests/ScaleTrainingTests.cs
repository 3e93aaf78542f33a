using MedTune.Checkpoints.Tokenization;
using MedTune.Manifest;
using MedTune.Models;
using MedTune.Models.Quantization;
using MedTune.Pipeline;
using MedTune.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace MedTune.Training.Tests;

/// <summary>
/// Training at paper scale, on the tiny Llama and GPT-NeoX checkpoints: QLoRA (4-bit NF4 base), activation
/// checkpointing, token-normalised gradient accumulation, bf16 reproducibility and length grouping.
/// </summary>
public sealed class ScaleTrainingTests : IDisposable
{
    private readonly TempDirectory _root = new();

    public void Dispose() => _root.Dispose();

    public static readonly TheoryData<string> Families = new() { "llama", "neox" };

    private string Checkpoint(string family) =>
        family == "llama" ? TinyCheckpoints.Llama(_root.Path) : TinyCheckpoints.NeoX(_root.Path);

    private static (IReadOnlyList<TokenizedExample> Examples, int PadId) Examples(string modelDirectory)
    {
        var tokenizer = new TextTrainingTokenizer(TextTokenizer.Load(modelDirectory), modelDirectory);
        var examples = new ExampleEncoder(tokenizer, PromptTemplates.AlpacaJa, 256, TrainOn.Response).Encode(TestData.Examples).Examples;
        return (examples, tokenizer.PadId);
    }

    /// <summary>The paper's QLoRA storage (NF4, double quantization, blocks of 64); float32 compute keeps the CPU tests quick.</summary>
    private static readonly QuantizationOptions Nf4 = new(QuantizationType.Nf4, DoubleQuant: true, BlockSize: 64, ComputeDType: ScalarType.Float32);

    private static TrainSection Settings(int maxSteps, int batchSize = 2, int accumulation = 2, bool checkpointing = false) => new()
    {
        MaxSteps = maxSteps,
        LearningRate = 2e-2,
        Scheduler = "constant",
        BatchSize = batchSize,
        GradientAccumulationSteps = accumulation,
        MaxSeqLength = 256,
        CheckpointEvery = 0,
        GradientCheckpointing = checkpointing,
    };

    [Theory]
    [MemberData(nameof(Families))]
    public void QLoRA_lowers_the_loss_and_its_adapter_loads_on_an_unquantized_base(string family)
    {
        var directory = Checkpoint(family);
        var (examples, padId) = Examples(directory);
        using var model = ModelLoader.Load(directory, quantization: Nf4);
        var projections = model.Linears().ToList();
        Assert.All(projections.Where(p => !p.Path.EndsWith("lm_head") && !p.Path.EndsWith("embed_out")), p => Assert.True(p.Linear.IsQuantized, p.Path));
        Assert.DoesNotContain(model.named_parameters(), p => p.name.EndsWith("proj.weight") || p.name.EndsWith("query_key_value.weight"));

        using var lora = LoraInjector.Apply(model, TestData.Lora(0.0, "all-linear"), seed: 5);
        Assert.All(lora.Parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
        var before = MeanLoss(model, examples, padId);
        var settings = Settings(maxSteps: 12, batchSize: 4, accumulation: 1);
        settings.LearningRate = 1e-2;
        new LoraTrainer(lora, examples, settings, seed: 5, padId).Run(Path.Combine(_root.Path, "work-" + family), SilentStageReporter.Instance);
        var after = MeanLoss(model, examples, padId);
        Assert.True(after < before * 0.95, $"QLoRA loss on the training set went from {before:F3} to {after:F3}");

        var adapterDirectory = Path.Combine(_root.Path, "adapter-" + family);
        LoraAdapter.Save(lora, adapterDirectory, directory);
        var config = File.ReadAllText(Path.Combine(adapterDirectory, "adapter_config.json"));
        Assert.DoesNotContain("quant", config); // an ordinary PEFT LoRA adapter

        using var dense = ModelLoader.Load(directory);
        Assert.DoesNotContain(dense.Linears(), l => l.Linear.IsQuantized);
        using var loaded = LoraAdapter.Load(adapterDirectory, dense, seed: 5);
        Assert.Equal(lora.Layers.Count, loaded.Layers.Count);
        foreach (var ((name, trained), (loadedName, restored)) in lora.NamedParameters().Zip(loaded.NamedParameters()))
        {
            Assert.Equal(name, loadedName);
            Assert.True(trained.allclose(restored, rtol: 0, atol: 0), $"{name} differs after loading on the unquantized base");
        }
        // On the dense base the adapter still lowers the loss on the training data, as on the 4-bit base.
        Assert.True(MeanLoss(dense, examples, padId) < MeanLoss(UntunedCopy(directory), examples, padId));
    }

    private static CausalLanguageModel UntunedCopy(string directory) => ModelLoader.Load(directory);

    private static double MeanLoss(CausalLanguageModel model, IReadOnlyList<TokenizedExample> examples, int padId)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        using var batch = BatchCollator.Collate(examples, padId, CPU);
        var loss = LoraTrainer.CausalLoss(model.Forward(batch.InputIds, batch.AttentionMask), batch.Labels).item<float>();
        return loss;
    }

    [Theory]
    [InlineData("llama", false)]
    [InlineData("neox", false)]
    [InlineData("llama", true)]
    [InlineData("neox", true)]
    public void Checkpointed_layers_give_the_same_gradients_as_stored_activations(string family, bool quantized)
    {
        var directory = Checkpoint(family);
        var (examples, padId) = Examples(directory);
        var plain = Gradients(directory, examples, padId, quantized ? Nf4 : null, Settings(1), checkpointing: false, dropout: 0.1);
        var recomputed = Gradients(directory, examples, padId, quantized ? Nf4 : null, Settings(1), checkpointing: true, dropout: 0.1);
        Assert.Equal(plain.Loss, recomputed.Loss);
        Assert.Equal(plain.Grads.Count, recomputed.Grads.Count);
        foreach (var (name, grad) in plain.Grads)
            Assert.True(grad.SequenceEqual(recomputed.Grads[name]), $"{name}: gradient with checkpointing differs");
        Assert.Contains(plain.Grads.Values, g => g.Any(v => v != 0));
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void The_gradient_does_not_depend_on_how_the_accumulation_window_is_split(string family)
    {
        var directory = Checkpoint(family);
        var (examples, padId) = Examples(directory);
        var splits = new[] { (4, 1), (2, 2), (1, 4) }
            .Select(s => Gradients(directory, examples, padId, null, Settings(1, batchSize: s.Item1, accumulation: s.Item2), checkpointing: false))
            .ToList();
        foreach (var other in splits.Skip(1))
        {
            Assert.Equal(splits[0].Loss, other.Loss, 5);
            foreach (var (name, grad) in splits[0].Grads)
            {
                var scale = grad.Max(Math.Abs);
                var difference = grad.Zip(other.Grads[name]).Max(p => Math.Abs(p.First - p.Second));
                Assert.True(difference <= 1e-5 * scale + 1e-9, $"{name}: batch split changes the gradient by {difference:E2} (max |g| {scale:E2})");
            }
        }
    }

    /// <summary>One step's gradient (LoRA B perturbed from zero so that every LoRA tensor gets a gradient).</summary>
    private static (double Loss, Dictionary<string, float[]> Grads) Gradients(
        string directory, IReadOnlyList<TokenizedExample> examples, int padId, QuantizationOptions? quantization, TrainSection settings, bool checkpointing, double dropout = 0.0)
    {
        using var model = ModelLoader.Load(directory, quantization: quantization);
        using var lora = LoraInjector.Apply(model, TestData.Lora(dropout, "all-linear"), seed: 7);
        using (no_grad())
        using (var generator = new Generator(11))
            foreach (var (_, layer) in lora.Layers)
                layer.lora_B.weight!.copy_(randn(layer.lora_B.weight!.shape, generator: generator).mul_(0.05));
        foreach (var p in lora.Parameters()) p.requires_grad = true;
        var trainer = new LoraTrainer(lora, examples, settings, seed: 7, padId);
        model.train();
        if (checkpointing) model.Checkpointing = new ActivationCheckpointing([lora.DropoutGenerator]);
        var (loss, _, _) = trainer.AccumulateGradients(0, CPU);
        var grads = lora.NamedParameters().ToDictionary(p => p.PeftName, p => p.Parameter.grad!.data<float>().ToArray());
        return (loss, grads);
    }

    [Fact]
    public void Bf16_training_is_reproducible_bit_for_bit_with_float32_lora_and_optimizer_state()
    {
        var directory = Checkpoint("llama");
        var (examples, padId) = Examples(directory);
        byte[] Run(string name)
        {
            using var model = ModelLoader.Load(directory, dtype: ScalarType.BFloat16);
            using var lora = LoraInjector.Apply(model, TestData.Lora(0.1, "all-linear"), seed: 9);
            Assert.All(lora.Parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
            var outcome = new LoraTrainer(lora, examples, Settings(4), seed: 9, padId).Run(Path.Combine(_root.Path, name), SilentStageReporter.Instance);
            Assert.True(double.IsFinite(outcome.FinalLoss));
            var adapter = Path.Combine(_root.Path, name + "-adapter");
            LoraAdapter.Save(lora, adapter, null);
            return File.ReadAllBytes(Path.Combine(adapter, LoraAdapter.WeightsFileName));
        }
        Assert.Equal(Run("first"), Run("second"));
    }

    [Fact]
    public void Length_grouping_keeps_every_example_once_and_cuts_padding()
    {
        var order = DataOrder.Permutation(10, seed: 3, epoch: 0);
        var lengths = new[] { 5, 9, 1, 7, 3, 8, 2, 6, 4, 10 };
        var grouped = DataOrder.GroupByLength(order, i => lengths[i], groupSize: 5);
        Assert.Equal(Enumerable.Range(0, 10), grouped.Order());
        Assert.Equal(order.Take(5).Order(), grouped.Take(5).Order());
        Assert.True(grouped.Take(5).Select(i => lengths[i]).SequenceEqual(grouped.Take(5).Select(i => lengths[i]).OrderDescending()));

        var directory = Checkpoint("llama");
        var (examples, padId) = Examples(directory);
        double PaddedShare(bool group)
        {
            using var model = ModelLoader.Load(directory);
            using var lora = LoraInjector.Apply(model, TestData.Lora(0.0), seed: 2);
            var settings = Settings(4, batchSize: 2, accumulation: 1);
            settings.GroupByLength = group;
            return new LoraTrainer(lora, examples, settings, seed: 2, padId).Run(Path.Combine(_root.Path, $"group-{group}"), SilentStageReporter.Instance).PaddedTokenShare;
        }
        var plain = PaddedShare(false);
        var grouped2 = PaddedShare(true);
        Assert.True(plain > 0);
        Assert.True(grouped2 < plain, $"padding share {grouped2:P1} with grouping, {plain:P1} without");
    }
}
