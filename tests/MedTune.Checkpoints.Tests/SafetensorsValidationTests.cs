using MedTune.Testing;

namespace MedTune.Checkpoints.Tests;

/// <summary>
/// Malformed safetensors files must end in a <see cref="CheckpointException"/> naming the file — never a crash,
/// another exception type or an allocation sized by the file's claims.
/// </summary>
public class SafetensorsValidationTests
{
    [Fact]
    public void A_valid_file_opens_and_reads()
    {
        using var temp = new TempDirectory();
        var path = temp.File("model.safetensors");
        File.WriteAllBytes(path, SafetensorsTestFiles.Build(SafetensorsTestFiles.ValidHeader, SafetensorsTestFiles.ValidDataBytes));
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(["a", "b"], file.Tensors.Keys.Order());
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal(new long[] { 2, 3 }, file.Info("a").Shape);
        Assert.Equal(24, file.ReadBytes("a").Length);
        Assert.Equal(4, file.ReadFloat32("b").Length);
    }

    public static readonly TheoryData<string, string, int, long?, string> Broken = new()
    {
        { "empty file", "", 0, 0, "shorter than the 8-byte header length" },
        { "oversized header length", SafetensorsTestFiles.ValidHeader, 40, long.MaxValue, "header length" },
        { "negative header length", SafetensorsTestFiles.ValidHeader, 40, -5, "header length" },
        { "header longer than file", SafetensorsTestFiles.ValidHeader, 40, 100_000, "header length" },
        { "garbage json", "{not json at all", 0, null, "not valid JSON" },
        { "json array", "[1, 2, 3]", 0, null, "not a JSON object" },
        { "tensor not an object", """{"a": 5}""", 0, null, "needs dtype" },
        { "missing offsets", """{"a":{"dtype":"F32","shape":[1]}}""", 4, null, "needs dtype" },
        { "unknown dtype", """{"a":{"dtype":"F8_E9","shape":[1],"data_offsets":[0,1]}}""", 1, null, "unknown dtype" },
        { "numeric dtype", """{"a":{"dtype":"2","shape":[1],"data_offsets":[0,2]}}""", 2, null, "unknown dtype" },
        { "wrong byte count for dtype", """{"a":{"dtype":"BF16","shape":[2,3],"data_offsets":[0,24]}}""", 24, null, "needs 12" },
        { "negative dimension", """{"a":{"dtype":"F32","shape":[-1,4],"data_offsets":[0,16]}}""", 16, null, "invalid dimension" },
        { "huge shape", """{"a":{"dtype":"F32","shape":[9223372036854775807,9223372036854775807],"data_offsets":[0,16]}}""", 16, null, "overflows" },
        { "fractional dimension", """{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}""", 4, null, "invalid dimension" },
        { "offsets past the end (truncated)", """{"a":{"dtype":"F32","shape":[100],"data_offsets":[0,400]}}""", 40, null, "truncated" },
        { "reversed offsets", """{"a":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}}""", 8, null, "fall outside" },
        { "negative offset", """{"a":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}""", 4, null, "invalid data offset" },
        { "overlapping tensors",
          """{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}}""", 24, null, "overlaps" },
        { "gap between tensors",
          """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""", 12, null, "belong to no tensor" },
        { "trailing bytes", """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 12, null, "cover 4" },
        { "duplicate tensor",
          """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8, null, "listed twice" },
        { "metadata not strings", """{"__metadata__":{"format":1}}""", 0, null, "__metadata__" },
        { "deeply nested json", new string('[', 100) + new string(']', 100), 0, null, "not valid JSON" },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void Malformed_files_are_refused_with_a_checkpoint_exception(string what, string header, int dataBytes, long? declaredLength, string expected)
    {
        using var temp = new TempDirectory();
        var path = temp.File("model.safetensors");
        var bytes = what == "empty file" ? [] : SafetensorsTestFiles.Build(header, dataBytes, declaredLength);
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<CheckpointException>(() => SafetensorsFile.Open(path).Dispose());
        Assert.Contains(path, error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Truncating_a_valid_file_anywhere_is_refused()
    {
        using var temp = new TempDirectory();
        var valid = SafetensorsTestFiles.Build(SafetensorsTestFiles.ValidHeader, SafetensorsTestFiles.ValidDataBytes);
        var path = temp.File("model.safetensors");
        for (var length = 0; length < valid.Length; length++)
        {
            File.WriteAllBytes(path, valid[..length]);
            Assert.Throws<CheckpointException>(() => SafetensorsFile.Open(path).Dispose());
        }
    }

    /// <summary>Seeded random corruption of a valid file: every outcome is a clean open or a CheckpointException.</summary>
    [Fact]
    public void Random_byte_corruption_never_escapes_as_another_exception()
    {
        using var temp = new TempDirectory();
        var valid = SafetensorsTestFiles.Build(SafetensorsTestFiles.ValidHeader, SafetensorsTestFiles.ValidDataBytes);
        var path = temp.File("model.safetensors");
        var random = new Random(1234);
        for (var trial = 0; trial < 500; trial++)
        {
            var bytes = (byte[])valid.Clone();
            for (var flips = random.Next(1, 4); flips > 0; flips--)
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            File.WriteAllBytes(path, bytes);
            try
            {
                using var file = SafetensorsFile.Open(path);
                foreach (var name in file.Tensors.Keys) file.ReadBytes(name);
            }
            catch (CheckpointException)
            {
            }
        }
    }

    [Theory]
    [InlineData("pytorch_model.bin")]
    [InlineData("model.pt")]
    [InlineData("weights.pth")]
    public void Pickle_files_are_refused_with_the_reason_and_the_conversion(string name)
    {
        using var temp = new TempDirectory();
        File.WriteAllBytes(temp.File(name), [0x80, 0x02]);
        var error = Assert.Throws<CheckpointException>(() => CheckpointWeights.Open(temp.Path));
        Assert.Contains(name, error.Message);
        Assert.Contains("arbitrary code", error.Message);
        Assert.Contains("save_pretrained(p, safe_serialization=True)", error.Message);
        Assert.Throws<CheckpointException>(() => SafetensorsFile.Open(temp.File(name)));
    }

    [Fact]
    public void A_directory_without_weights_says_so()
    {
        using var temp = new TempDirectory();
        var error = Assert.Throws<CheckpointException>(() => CheckpointWeights.Open(temp.Path));
        Assert.Contains("no model.safetensors", error.Message);
    }
}
