using MedTune.Models;
using MedTune.Pipeline.Planning;

namespace MedTune.Training.Tests;

/// <summary>The resource estimator's model shapes agree with the modules MedTune.Models builds and the LoRA layers the injector adds.</summary>
public sealed class PlanShapeTests
{
    [Theory]
    [InlineData(BuiltinModels.TinyLlama, "all-linear")]
    [InlineData(BuiltinModels.TinyLlama, "q_proj,v_proj")]
    [InlineData(BuiltinModels.TinyLlama, "o_proj,down_proj")]
    [InlineData(BuiltinModels.TinyNeoX, "all-linear")]
    [InlineData(BuiltinModels.TinyNeoX, "query_key_value,dense_4h_to_h")]
    public void Parameter_and_lora_counts_match_the_built_model(string builtin, string targets)
    {
        var config = BuiltinModels.Config(builtin);
        var shape = ModelShape.From(config);
        using var model = SeededWeights.Create(config, seed: 1);
        Assert.Equal(model.parameters().Sum(p => p.numel()), shape.Parameters);
        Assert.Equal(model.Linears().Where(l => !l.Path.EndsWith("lm_head", StringComparison.Ordinal) && !l.Path.EndsWith("embed_out", StringComparison.Ordinal))
            .Sum(l => l.Linear.weight.numel()), shape.LinearParameters);

        var targetModules = targets.Split(',');
        using var lora = LoraInjector.Apply(model, TestData.Lora(0.0, targetModules), seed: 7);
        var settings = new PlanSettings
        {
            Model = shape, Weights = new WeightFormat("float32"), LoraRank = TestData.Lora(0.0, targetModules).R, LoraTargets = targetModules,
            TrainDevice = Cpu, EvalDevice = Cpu, HostDevice = Cpu,
        };
        Assert.Equal(lora.Parameters().Sum(p => p.numel()), ResourceEstimator.LoraParameters(settings));
    }

    private static readonly DeviceBudget Cpu = new("cpu", null, "test");
}
