using MedTune.Checkpoints;
using MedTune.Testing;
using static TorchSharp.torch;

namespace MedTune.Training.Tests;

public class LoraAdapterTests
{
    private static LoraInjection TrainedLookingAdapter(TinyModel model, string[] targets)
    {
        var lora = LoraInjector.Apply(model, TestData.Lora(0.05, targets), seed: 5);
        using var generator = new Generator(9);
        using (no_grad())
            foreach (var (_, layer) in lora.Layers)
                layer.lora_B.weight!.copy_(randn(layer.lora_B.weight!.shape, generator: generator));
        return lora;
    }

    [Fact]
    public void Saves_peft_names_and_config()
    {
        using var dir = new TempDirectory();
        using var model = new TinyModel(seed: 1);
        using var lora = TrainedLookingAdapter(model, ["v_proj", "q_proj"]);
        LoraAdapter.Save(lora, dir.Path, "builtin:tiny-llama");

        Snapshot.Match(File.ReadAllText(dir.File("adapter_config.json")));
        using var file = SafetensorsFile.Open(dir.File("adapter_model.safetensors"));
        Assert.Equal(lora.NamedParameters().Select(p => p.PeftName).Order(StringComparer.Ordinal), file.Tensors.Keys.Order(StringComparer.Ordinal));
        Assert.All(file.Tensors.Values, t => Assert.Equal(TensorDType.F32, t.DType));
        Assert.Equal([4L, 32L], file.Tensors["base_model.model.layers.0.q_proj.lora_A.weight"].Shape);
        Assert.Equal([32L, 4L], file.Tensors["base_model.model.layers.0.q_proj.lora_B.weight"].Shape);
    }

    [Fact]
    public void Round_trip_reproduces_the_adapted_model()
    {
        using var dir = new TempDirectory();
        using var ids = tensor(new long[] { 1, 4, 8, 16, 32 }, [1, 5]);
        Tensor expected;
        using (var model = new TinyModel(seed: 1))
        using (var lora = TrainedLookingAdapter(model, ["all-linear"]))
        {
            LoraAdapter.Save(lora, dir.Path, null);
            expected = model.Forward(ids);
        }
        using var fresh = new TinyModel(seed: 1);
        using var loaded = LoraAdapter.Load(dir.Path, fresh);
        using var actual = fresh.Forward(ids);
        Assert.True(expected.eq(actual).all().item<bool>());
        Assert.Equal(["down_proj", "q_proj", "up_proj", "v_proj"], loaded.Settings.TargetModules);
        var config = LoraAdapterConfig.Read(dir.File("adapter_config.json"));
        Assert.Equal((4, 8.0, 0.05, false), (config.R, config.LoraAlpha, config.LoraDropout, config.UseRslora));
        expected.Dispose();
    }

    [Fact]
    public void Reads_names_with_the_default_adapter_segment()
    {
        using var dir = new TempDirectory();
        using var model = new TinyModel(seed: 1);
        using (var lora = TrainedLookingAdapter(model, ["q_proj"]))
        {
            LoraAdapter.Save(lora, dir.Path, null);
            var renamed = lora.NamedParameters().Select(p => LoraAdapter.ToTensorData(p.PeftName.Replace(".weight", ".default.weight"), p.Parameter));
            SafetensorsWriter.Write(dir.File("adapter_model.safetensors"), renamed);
            lora.Remove();
        }
        using var loaded = LoraAdapter.Load(dir.Path, model);
        Assert.Equal(["layers.0.q_proj", "layers.1.q_proj"], loaded.Layers.Select(l => l.Path));
        Assert.NotEqual(0f, loaded.Layers[0].Layer.lora_B.weight!.abs().sum().item<float>());
    }

    [Fact]
    public void Refuses_an_adapter_for_a_wider_model()
    {
        using var dir = new TempDirectory();
        using (var wide = new TinyModel(seed: 1, hidden: 48))
        using (var lora = TrainedLookingAdapter(wide, ["q_proj"]))
            LoraAdapter.Save(lora, dir.Path, null);
        using var narrow = new TinyModel(seed: 1, hidden: 32);
        var error = Assert.Throws<LoraAdapterException>(() => LoraAdapter.Load(dir.Path, narrow));
        Assert.Contains("layers.0.q_proj.lora_A.weight", error.Message);
        Assert.Contains("[4, 48]", error.Message);
        Assert.Contains("[4, 32]", error.Message);
    }

    [Fact]
    public void Refuses_an_adapter_for_modules_the_model_lacks()
    {
        using var dir = new TempDirectory();
        using (var deep = new TinyModel(seed: 1, layerCount: 3))
        using (var lora = TrainedLookingAdapter(deep, ["q_proj"]))
            LoraAdapter.Save(lora, dir.Path, null);
        using var shallow = new TinyModel(seed: 1, layerCount: 2);
        var error = Assert.Throws<LoraAdapterException>(() => LoraAdapter.Load(dir.Path, shallow));
        Assert.Contains("'layers.2.q_proj'", error.Message);
        Assert.All(shallow.Linears(), l => Assert.Null(l.Linear.Adapter));
    }

    [Fact]
    public void Refuses_non_lora_configs_and_pickle_weights()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("adapter_config.json"), """{"peft_type": "PREFIX_TUNING", "task_type": "CAUSAL_LM"}""");
        using var model = new TinyModel(seed: 1);
        Assert.Contains("only LORA", Assert.Throws<LoraAdapterException>(() => LoraAdapter.Load(dir.Path, model)).Message);

        File.WriteAllText(dir.File("adapter_config.json"), """{"peft_type": "LORA", "r": 4, "lora_alpha": 8, "target_modules": ["q_proj"]}""");
        File.WriteAllBytes(dir.File("adapter_model.bin"), [0x80, 0x02]);
        Assert.Contains("pickle", Assert.Throws<LoraAdapterException>(() => LoraAdapter.Load(dir.Path, model)).Message);
    }

    [Fact]
    public void Reads_the_seed_papers_adapter_config()
    {
        // The shape of the JMedLoRA authors' adapter_config.json (PEFT 0.4-era keys, r 64, alpha 16, seven projections).
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("adapter_config.json"), """
            {"auto_mapping": null, "base_model_name_or_path": "meta-llama/Llama-2-70b-chat-hf", "bias": "none",
             "fan_in_fan_out": false, "inference_mode": true, "init_lora_weights": true, "layers_pattern": null,
             "layers_to_transform": null, "lora_alpha": 16, "lora_dropout": 0.05, "modules_to_save": null,
             "peft_type": "LORA", "r": 64, "revision": null,
             "target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"], "task_type": "CAUSAL_LM"}
            """);
        var config = LoraAdapterConfig.Read(dir.File("adapter_config.json"));
        Assert.Equal(64, config.R);
        Assert.Equal(0.25, config.Scale);
        Assert.Equal(7, config.TargetModules.Count);
    }
}
