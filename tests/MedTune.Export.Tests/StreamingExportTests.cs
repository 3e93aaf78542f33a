using System.Security.Cryptography;
using MedTune.Testing;

namespace MedTune.Export.Tests;

/// <summary>The streamed export (weights written to model.onnx.data as the graph is built) writes the in-memory export's bytes.</summary>
public sealed class StreamingExportTests
{
    public static TheoryData<string, ExportPrecision, long> Cases()
    {
        var cases = new TheoryData<string, ExportPrecision, long>();
        foreach (var family in new[] { "llama", "neox" })
            foreach (var precision in new[] { ExportPrecision.Fp32, ExportPrecision.Fp16, ExportPrecision.Int4 })
                foreach (var threshold in new[] { new ExportOptions().ExternalDataThresholdBytes, 1000L })
                    cases.Add(family, precision, threshold);
        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Streamed_export_is_byte_identical_to_the_in_memory_export(string family, ExportPrecision precision, long threshold)
    {
        using var dir = new TempDirectory();
        var checkpoint = dir.File("ckpt");
        if (family == "llama") TinyCheckpoints.WriteLlama(checkpoint, 21, new TinyCheckpoints.LlamaShape { Bias = true, Tied = true });
        else TinyCheckpoints.WriteNeoX(checkpoint, 22, new TinyCheckpoints.NeoXShape());
        var options = new ExportOptions { Precision = precision, Opset = 21, ExternalDataThresholdBytes = threshold };
        var steps = 0;
        var streamed = OnnxExporter.Export(checkpoint, dir.File("streamed"), options with { StreamWeights = true }, new Counter(n => steps += n));
        var inMemory = OnnxExporter.Export(checkpoint, dir.File("in-memory"), options with { StreamWeights = false });

        Assert.Equal(Hashes(dir.File("in-memory")), Hashes(dir.File("streamed")));
        Assert.Equal(threshold < 1_000_000, File.Exists(Path.Combine(dir.File("streamed"), "model.onnx.data")));
        Assert.Equal(inMemory.ExternalDataBytes, streamed.ExternalDataBytes);
        Assert.Equal(2 + 2, steps); // embedding, 2 layers, head
        Assert.Empty(Directory.GetFiles(dir.File("streamed"), "*.tmp", SearchOption.AllDirectories));
        Assert.Empty(Directory.GetFiles(dir.File("streamed"), ".*"));
    }

    private static SortedDictionary<string, string> Hashes(string directory) => new(
        Directory.GetFiles(directory).ToDictionary(Path.GetFileName, f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))))!,
        StringComparer.Ordinal);

    private sealed class Counter(Action<int> add) : IProgress<int>
    {
        public void Report(int value) => add(value);
    }
}
