using System.Text.Json.Nodes;
using MedTune.Checkpoints;
using MedTune.Models;
using MedTune.Testing;
using static TorchSharp.torch;

namespace MedTune.Training.Tests;

/// <summary>
/// PEFT's adapter layout for the two real families, both directions: the exact tensor names and adapter_config.json
/// fields medtune writes, an adapter laid out as PEFT writes it loaded back, and PEFT's other options supported or
/// refused by name. (A fixture written by PEFT itself is owed: no PEFT on the machines this was built on.)
/// </summary>
public sealed class PeftFormatTests
{
    private static readonly string[] LlamaModules =
        ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"];
    private static readonly string[] NeoXModules =
        ["attention.query_key_value", "attention.dense", "mlp.dense_h_to_4h", "mlp.dense_4h_to_h"];

    public static TheoryData<string> Families => new() { "llama", "gpt_neox" };

    private static (string Checkpoint, string LayerPrefix, string[] Modules) Family(TempDirectory dir, string family) => family == "llama"
        ? (TinyCheckpoints.Llama(dir.File("base")), "model.layers", LlamaModules)
        : (TinyCheckpoints.NeoX(dir.File("base")), "gpt_neox.layers", NeoXModules);

    [Theory]
    [MemberData(nameof(Families))]
    public void Saved_adapters_use_PEFT_tensor_names_and_config_fields(string family)
    {
        using var dir = new TempDirectory();
        var (checkpoint, layers, modules) = Family(dir, family);
        using var model = ModelLoader.Load(checkpoint);
        using (var lora = LoraInjector.Apply(model, new() { R = 4, Alpha = 8, Dropout = 0.05, TargetModules = ["all-linear"] }, seed: 1))
            LoraAdapter.Save(lora, dir.File("adapter"), "org/base-model");

        var expected = Enumerable.Range(0, 2)
            .SelectMany(n => modules.SelectMany(m => new[] { $"base_model.model.{layers}.{n}.{m}.lora_A.weight", $"base_model.model.{layers}.{n}.{m}.lora_B.weight" }))
            .Order(StringComparer.Ordinal);
        using var file = SafetensorsFile.Open(dir.File("adapter/adapter_model.safetensors"));
        Assert.Equal(expected, file.Tensors.Keys.Order(StringComparer.Ordinal));
        if (family == "llama")
        {
            Assert.Equal([4L, 64L], file.Tensors["base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"].Shape);
            Assert.Equal([32L, 4L], file.Tensors["base_model.model.model.layers.1.self_attn.k_proj.lora_B.weight"].Shape); // 2 kv heads × 16
        }
        else
        {
            Assert.Equal([4L, 64L], file.Tensors["base_model.model.gpt_neox.layers.0.attention.query_key_value.lora_A.weight"].Shape);
            Assert.Equal([192L, 4L], file.Tensors["base_model.model.gpt_neox.layers.1.attention.query_key_value.lora_B.weight"].Shape);
        }

        var config = JsonNode.Parse(File.ReadAllText(dir.File("adapter/adapter_config.json")))!.AsObject();
        Assert.Equal("LORA", config["peft_type"]!.GetValue<string>());
        Assert.Equal("CAUSAL_LM", config["task_type"]!.GetValue<string>());
        Assert.Equal(4, config["r"]!.GetValue<int>());
        Assert.Equal(8, config["lora_alpha"]!.GetValue<int>());
        Assert.Equal(0.05, config["lora_dropout"]!.GetValue<double>());
        Assert.Equal("none", config["bias"]!.GetValue<string>());
        Assert.False(config["fan_in_fan_out"]!.GetValue<bool>());
        Assert.True(config["inference_mode"]!.GetValue<bool>());
        Assert.False(config["use_rslora"]!.GetValue<bool>());
        Assert.Equal("org/base-model", config["base_model_name_or_path"]!.GetValue<string>());
        Assert.Null(config["modules_to_save"]);
        Assert.Equal(modules.Select(m => m.Split('.')[^1]).Order(StringComparer.Ordinal),
            config["target_modules"]!.AsArray().Select(t => t!.GetValue<string>()));
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void An_adapter_laid_out_as_PEFT_writes_it_loads_onto_the_named_projections(string family)
    {
        using var dir = new TempDirectory();
        var (checkpoint, layers, modules) = Family(dir, family);
        using var model = ModelLoader.Load(checkpoint);
        var target = $"{layers}.1.{modules[0]}";
        var linear = model.Linears().Single(l => l.Path == target).Linear;
        var a = Enumerable.Range(0, 2 * (int)linear.InFeatures).Select(i => i * 0.01f).ToArray();
        var b = Enumerable.Range(0, (int)linear.OutFeatures * 2).Select(i => -i * 0.02f).ToArray();
        Directory.CreateDirectory(dir.File("peft"));
        SafetensorsWriter.Write(dir.File("peft/adapter_model.safetensors"),
        [
            Floats($"base_model.model.{target}.lora_A.weight", [2, linear.InFeatures], a),
            Floats($"base_model.model.{target}.lora_B.weight", [linear.OutFeatures, 2], b),
        ]);
        // PEFT 0.13-style config: every key save_pretrained writes, with only layer 1 transformed.
        File.WriteAllText(dir.File("peft/adapter_config.json"), $$"""
            {"alpha_pattern": {}, "auto_mapping": null, "base_model_name_or_path": "org/base", "bias": "none",
             "fan_in_fan_out": false, "inference_mode": true, "init_lora_weights": true, "layer_replication": null,
             "layers_pattern": null, "layers_to_transform": [1], "loftq_config": {}, "lora_alpha": 6, "lora_dropout": 0.0,
             "megatron_config": null, "megatron_core": "megatron.core", "modules_to_save": null, "peft_type": "LORA", "r": 2,
             "rank_pattern": {}, "revision": null, "target_modules": ["{{modules[0].Split('.')[^1]}}"], "task_type": "CAUSAL_LM",
             "use_dora": false, "use_rslora": false}
            """);
        using var injection = LoraAdapter.Load(dir.File("peft"), model);
        var (path, layer) = Assert.Single(injection.Layers);
        Assert.Equal(target, path);
        Assert.Equal(3.0, layer.Scale);
        Assert.Equal(a, layer.lora_A.weight!.data<float>().ToArray());
        Assert.Equal(b, layer.lora_B.weight!.data<float>().ToArray());
    }

    [Theory]
    [InlineData("rank_pattern", """{"q_proj": 8}""")]
    [InlineData("alpha_pattern", """{"v_proj": 32}""")]
    [InlineData("use_dora", "true")]
    [InlineData("lora_bias", "true")]
    [InlineData("layer_replication", "[[0, 2]]")]
    [InlineData("trainable_token_indices", "[5, 6]")]
    [InlineData("modules_to_save", """["lm_head"]""")]
    public void PEFT_options_medtune_does_not_implement_are_refused_by_name(string key, string value)
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("adapter_config.json"),
            $$"""{"peft_type": "LORA", "task_type": "CAUSAL_LM", "r": 4, "lora_alpha": 8, "target_modules": ["q_proj"], "{{key}}": {{value}}}""");
        var error = Assert.Throws<LoraAdapterException>(() => LoraAdapterConfig.Read(dir.File("adapter_config.json")));
        Assert.Contains(key, error.Message);
        Assert.Contains("adapter_config.json", error.Message);
    }

    private static NamedTensorData Floats(string name, long[] shape, float[] values) =>
        new(name, TensorDType.F32, shape, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
}
