using MedTune.Checkpoints;
using MedTune.Testing;

namespace MedTune.Models.Tests;

public class FixtureWeightsTests
{
    /// <summary>
    /// The committed weights are exactly what the seeded generator produces, so they can be regenerated
    /// (run with MEDTUNE_WRITE_FIXTURES=1 to rewrite them, then rerun eng/reference/hf_reference.py).
    /// </summary>
    [Theory]
    [MemberData(nameof(Fixtures.Names), MemberType = typeof(Fixtures))]
    public void Committed_weights_are_the_seeded_generator_output(string name)
    {
        var directory = Fixtures.Directory(name);
        var config = ModelConfig.Load(Path.Combine(directory, "config.json"));
        using var model = SeededWeights.Create(config, Fixtures.Seed(name));
        using var temp = new TempDirectory();
        CheckpointSaver.Save(model, temp.File("out"), tokenizerSourceDirectory: null);
        var generated = File.ReadAllBytes(Path.Combine(temp.File("out"), "model.safetensors"));
        if (Environment.GetEnvironmentVariable("MEDTUNE_WRITE_FIXTURES") == "1")
            File.WriteAllBytes(Path.Combine(directory, "model.safetensors"), generated);
        Assert.Equal(generated, File.ReadAllBytes(Path.Combine(directory, "model.safetensors")));
    }
}
