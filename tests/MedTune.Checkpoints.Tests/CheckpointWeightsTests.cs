using MedTune.Testing;

namespace MedTune.Checkpoints.Tests;

public class CheckpointWeightsTests
{
    private static NamedTensorData Tensor(string name, params float[] values) =>
        new(name, TensorDType.F32, [values.Length], TensorConversions.FromFloat32(values, TensorDType.F32));

    [Fact]
    public void Writer_output_reads_back_and_is_byte_stable()
    {
        using var temp = new TempDirectory();
        NamedTensorData[] tensors = [Tensor("x", 1, 2, 3), Tensor("y", -0.5f)];
        SafetensorsWriter.Write(temp.File("a.safetensors"), tensors, new Dictionary<string, string> { ["format"] = "pt" });
        SafetensorsWriter.Write(temp.File("b.safetensors"), tensors, new Dictionary<string, string> { ["format"] = "pt" });
        Assert.Equal(File.ReadAllBytes(temp.File("a.safetensors")), File.ReadAllBytes(temp.File("b.safetensors")));
        using var file = SafetensorsFile.Open(temp.File("a.safetensors"));
        Assert.Equal([1f, 2f, 3f], file.ReadFloat32("x"));
        Assert.Equal([-0.5f], file.ReadFloat32("y"));
        Assert.Empty(Directory.GetFiles(temp.Path, "*.tmp"));
    }

    [Fact]
    public void Sharded_checkpoints_are_read_through_the_index()
    {
        using var temp = new TempDirectory();
        SafetensorsWriter.Write(temp.File("model-00001-of-00002.safetensors"), [Tensor("x", 1, 2)]);
        SafetensorsWriter.Write(temp.File("model-00002-of-00002.safetensors"), [Tensor("y", 3)]);
        File.WriteAllText(temp.File(CheckpointWeights.IndexFileName),
            """{"metadata":{"total_size":12},"weight_map":{"x":"model-00001-of-00002.safetensors","y":"model-00002-of-00002.safetensors"}}""");
        using var weights = CheckpointWeights.Open(temp.Path);
        Assert.Equal(["x", "y"], weights.Names.Order());
        Assert.Equal([3f], weights.ReadFloat32("y"));
        var chunk = new byte[4];
        weights.CopyBytes("x", 4, chunk);
        Assert.Equal(2f, BitConverter.ToSingle(chunk));
    }

    [Theory]
    [InlineData("""{"weight_map":{"x":"../elsewhere.safetensors"}}""", "outside the model directory")]
    [InlineData("""{"weight_map":{"x":5}}""", "weight_map.x is not a file name")]
    [InlineData("""{"weight_map":{"z":"model-00001-of-00001.safetensors"}}""", "'z' is in model-00001-of-00001.safetensors, but it is not there")]
    [InlineData("""{"weight_map":{"x":"missing.safetensors"}}""", "file not found")]
    [InlineData("""{"nothing": 1}""", "weight_map is missing")]
    [InlineData("""{"weight_map": """, "not valid JSON")]
    public void Bad_shard_indexes_are_refused(string index, string expected)
    {
        using var temp = new TempDirectory();
        SafetensorsWriter.Write(temp.File("model-00001-of-00001.safetensors"), [Tensor("x", 1)]);
        File.WriteAllText(temp.File(CheckpointWeights.IndexFileName), index);
        var error = Assert.Throws<CheckpointException>(() => CheckpointWeights.Open(temp.Path).Dispose());
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Bfloat16_conversion_rounds_to_nearest_even_and_round_trips()
    {
        float[] values = [1f, -2.5f, 3.14159f, 1e-8f, 65504f];
        var bytes = TensorConversions.FromFloat32(values, TensorDType.BF16);
        var back = new float[values.Length];
        TensorConversions.ToFloat32(bytes, TensorDType.BF16, back);
        Assert.Equal(TensorConversions.FromFloat32(back, TensorDType.BF16), bytes);
        Assert.Equal(3.140625f, back[2]);
    }
}
