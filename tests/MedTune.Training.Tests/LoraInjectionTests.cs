using TorchSharp;
using static TorchSharp.torch;

namespace MedTune.Training.Tests;

public class LoraInjectionTests
{
    private static Tensor SampleIds() => tensor(new long[] { 1, 5, 9, 13, 40, 2, 7, 7, 3, 60 }, [2, 5]);

    [Fact]
    public void Output_at_step_zero_equals_the_base_model()
    {
        using var model = new TinyModel(seed: 1);
        using var ids = SampleIds();
        using var before = model.Forward(ids);
        using var lora = LoraInjector.Apply(model, TestData.Lora(dropout: 0.1, "all-linear"), seed: 7);
        using var after = model.Forward(ids);
        Assert.True(before.eq(after).all().item<bool>(), "B is zero at init, so the adapted model must reproduce the base logits exactly");
    }

    [Fact]
    public void Only_lora_tensors_are_trainable()
    {
        using var model = new TinyModel(seed: 1);
        using var lora = LoraInjector.Apply(model, TestData.Lora(), seed: 7);
        foreach (var parameter in lora.Parameters()) parameter.requires_grad = true;
        var trainable = model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => p.name).ToList();
        Assert.Equal(8, trainable.Count); // 2 layers × (q, v) × (A, B)
        Assert.All(trainable, name => Assert.Matches(@"^layers\.\d\.(q|v)_proj\.adapter\.lora_(A|B)\.weight$", name));
        Assert.Equal(trainable.Count, lora.Parameters().Count());
    }

    [Fact]
    public void Peft_names_follow_module_paths()
    {
        using var model = new TinyModel(seed: 1);
        using var lora = LoraInjector.Apply(model, TestData.Lora(), seed: 7);
        Assert.Equal(
            ["base_model.model.layers.0.q_proj.lora_A.weight", "base_model.model.layers.0.q_proj.lora_B.weight",
             "base_model.model.layers.0.v_proj.lora_A.weight", "base_model.model.layers.0.v_proj.lora_B.weight",
             "base_model.model.layers.1.q_proj.lora_A.weight", "base_model.model.layers.1.q_proj.lora_B.weight",
             "base_model.model.layers.1.v_proj.lora_A.weight", "base_model.model.layers.1.v_proj.lora_B.weight"],
            lora.NamedParameters().Select(p => p.PeftName));
    }

    [Fact]
    public void All_linear_leaves_out_the_output_head()
    {
        using var model = new TinyModel(seed: 1);
        using var lora = LoraInjector.Apply(model, TestData.Lora(0, "all-linear"), seed: 7);
        Assert.Equal(8, lora.Layers.Count);
        Assert.DoesNotContain(lora.Layers, l => l.Path == "lm_head");
    }

    [Fact]
    public void Unknown_target_is_an_error_listing_the_models_projections()
    {
        using var model = new TinyModel(seed: 1);
        var error = Assert.Throws<ArgumentException>(() => LoraInjector.Apply(model, TestData.Lora(0, "q_proj", "query_key_value"), seed: 7));
        Assert.Contains("query_key_value", error.Message);
        Assert.Contains("down_proj, lm_head, q_proj, up_proj, v_proj", error.Message);
    }

    [Fact]
    public void Init_is_kaiming_uniform_and_deterministic_from_the_seed()
    {
        float[] InitialA(int seed)
        {
            using var model = new TinyModel(seed: 1);
            using var lora = LoraInjector.Apply(model, TestData.Lora(), seed: seed);
            return lora.Layers[0].Layer.lora_A.weight!.data<float>().ToArray();
        }
        var first = InitialA(3);
        Assert.Equal(first, InitialA(3));
        Assert.NotEqual(first, InitialA(4));
        var bound = 1 / Math.Sqrt(32); // a = √5 ⇒ bound 1/√fan_in
        Assert.All(first, v => Assert.InRange(Math.Abs(v), 0, bound));
        Assert.True(first.Max() > bound * 0.8 && first.Min() < -bound * 0.8, "values should fill the uniform range");
    }

    [Theory]
    [InlineData(false, 2.0)]
    [InlineData(true, 4.0)]
    public void Scale_is_alpha_over_r_or_over_root_r_with_rslora(bool rslora, double expected)
    {
        using var model = new TinyModel(seed: 1);
        var settings = TestData.Lora();
        settings.UseRslora = rslora;
        using var lora = LoraInjector.Apply(model, settings, seed: 7);
        Assert.Equal(expected, lora.Layers[0].Layer.Scale);
    }

    [Fact]
    public void Merged_weights_give_the_adapted_models_logits()
    {
        using var model = new TinyModel(seed: 1);
        using var lora = LoraInjector.Apply(model, TestData.Lora(0, "all-linear"), seed: 7);
        using var generator = new Generator(11);
        using (no_grad())
            foreach (var (_, layer) in lora.Layers)
                layer.lora_B.weight!.copy_(randn(layer.lora_B.weight!.shape, generator: generator).mul_(0.02));
        using var ids = SampleIds();
        using var adapted = model.Forward(ids);
        Assert.Equal(8, LoraMerger.Merge(model));
        Assert.All(model.Linears(), l => Assert.Null(l.Linear.Adapter));
        using var merged = model.Forward(ids);
        var maxDifference = (merged - adapted).abs().max().item<float>();
        Assert.True(maxDifference <= 1e-5, $"merged logits differ by {maxDifference} (largest logit {adapted.abs().max().item<float>()})");
        Assert.True((adapted - model.Forward(ids)).abs().max().item<float>() <= 1e-5);
    }

    [Fact]
    public void Dropout_is_active_in_training_only()
    {
        using var model = new TinyModel(seed: 1);
        using var lora = LoraInjector.Apply(model, TestData.Lora(dropout: 0.5), seed: 7);
        var layer = lora.Layers[0].Layer;
        using (no_grad()) layer.lora_B.weight!.fill_(1f);
        using var x = ones(4, 32);
        layer.eval();
        using var evalOut = layer.call(x);
        layer.train();
        using var trainOut = layer.call(x);
        Assert.False(evalOut.allclose(trainOut));
    }

    [Fact]
    public void Bfloat16_base_keeps_float32_lora_and_merges_into_bfloat16()
    {
        using var model = new TinyModel(seed: 1);
        model.to(ScalarType.BFloat16);
        using var ids = SampleIds();
        using var before = model.Forward(ids);
        using var lora = LoraInjector.Apply(model, TestData.Lora(), seed: 7);
        Assert.Equal(ScalarType.Float32, lora.Layers[0].Layer.lora_A.weight!.dtype);
        using var after = model.Forward(ids);
        Assert.Equal(ScalarType.BFloat16, after.dtype);
        Assert.True(before.eq(after).all().item<bool>());

        using (no_grad()) lora.Layers[0].Layer.lora_B.weight!.fill_(0.5f);
        var original = model.layers[0].q_proj.weight.to_type(ScalarType.Float32);
        LoraMerger.Merge(model);
        var merged = model.layers[0].q_proj.weight;
        Assert.Equal(ScalarType.BFloat16, merged.dtype);
        var layer = lora.Layers[0].Layer;
        var expected = original + matmul(layer.lora_B.weight!, layer.lora_A.weight!) * layer.Scale;
        Assert.True((merged.to_type(ScalarType.Float32) - expected).abs().max().item<float>() < 0.02);
    }
}
