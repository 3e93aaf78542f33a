using System.Buffers.Binary;
using System.Text;
using MedTune.Export.Gguf;
using MedTune.Manifest;
using MedTune.Models;
using MedTune.Pipeline;
using MedTune.Testing;

namespace MedTune.Export.Tests;

/// <summary>The GGUF byte layout, ggml's q8_0 rounding, the Llama rotary permutation and the export stage's GGUF output.</summary>
public sealed class GgufWriterTests
{
    [Fact]
    public void Header_metadata_and_tensor_infos_follow_the_GGUF_v3_layout()
    {
        using var stream = new MemoryStream();
        GgufFileWriter.Write(stream,
            [GgufMetadata.String("general.architecture", "llama"), GgufMetadata.UInt32("llama.block_count", 2)],
            [new GgufTensor("a", [3], GgmlType.F32, () => [1f, 2f, 3f]), new GgufTensor("b", [2], GgmlType.F16, () => [0.5f, -2f])]);
        var bytes = stream.ToArray();
        var r = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
        Assert.Equal("GGUF", Encoding.ASCII.GetString(r.ReadBytes(4)));
        Assert.Equal(3u, r.ReadUInt32());
        Assert.Equal(2ul, r.ReadUInt64());   // tensors
        Assert.Equal(2ul, r.ReadUInt64());   // metadata entries
        Assert.Equal("general.architecture", ReadString(r));
        Assert.Equal((uint)GgufValueType.String, r.ReadUInt32());
        Assert.Equal("llama", ReadString(r));
        Assert.Equal("llama.block_count", ReadString(r));
        Assert.Equal((uint)GgufValueType.UInt32, r.ReadUInt32());
        Assert.Equal(2u, r.ReadUInt32());
        Assert.Equal("a", ReadString(r));
        Assert.Equal(1u, r.ReadUInt32());
        Assert.Equal(3ul, r.ReadUInt64());
        Assert.Equal((uint)GgmlType.F32, r.ReadUInt32());
        Assert.Equal(0ul, r.ReadUInt64());
        Assert.Equal("b", ReadString(r));
        Assert.Equal(1u, r.ReadUInt32());
        Assert.Equal(2ul, r.ReadUInt64());
        Assert.Equal((uint)GgmlType.F16, r.ReadUInt32());
        Assert.Equal(32ul, r.ReadUInt64()); // 12 bytes of "a", padded to the 32-byte alignment
        var dataStart = (r.BaseStream.Position + 31) / 32 * 32;
        Assert.Equal(2f, BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan((int)dataStart + 4)));
        Assert.Equal((Half)(-2f), BinaryPrimitives.ReadHalfLittleEndian(bytes.AsSpan((int)dataStart + 32 + 2)));
        Assert.Equal(0, bytes.Length % 32);
    }

    [Fact]
    public void Q8_0_blocks_hold_a_float16_scale_and_round_half_away_from_zero()
    {
        var values = new float[32];
        values[0] = 127f;      // scale 1.0
        values[1] = 2.5f;      // rounds to 3, like C roundf (banker's rounding would give 2)
        values[2] = -2.5f;     // -3
        values[3] = 0.49f;
        var bytes = GgmlTypes.Encode(GgmlType.Q8_0, values, 32);
        Assert.Equal(34, bytes.Length);
        Assert.Equal((Half)1f, BinaryPrimitives.ReadHalfLittleEndian(bytes));
        Assert.Equal([127, 3, -3, 0], bytes.Skip(2).Take(4).Select(b => (int)(sbyte)b));
        Assert.Equal(new float[] { 127, 3, -3, 0 }, GgmlTypes.DecodeQ8(bytes).Take(4));
        Assert.All(GgmlTypes.DecodeQ8(GgmlTypes.Encode(GgmlType.Q8_0, new float[32], 32)), v => Assert.Equal(0f, v));
        Assert.Throws<ArgumentException>(() => GgmlTypes.Encode(GgmlType.Q8_0, new float[48], 48));
    }

    [Fact]
    public void Rotary_permutation_moves_half_split_rows_to_interleaved_pairs()
    {
        // One head of dimension 4, rows of length 1: HF order [x0 x1 | x2 x3] → ggml order [x0 x2 x1 x3].
        Assert.Equal([0f, 2f, 1f, 3f, 4f, 6f, 5f, 7f], GgufModelMapping.PermuteRotary([0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f], heads: 2, rowLength: 1));
    }

    [Fact]
    public async Task Export_stage_writes_gguf_files_and_a_Modelfile_when_formats_include_gguf()
    {
        using var work = new TempDirectory();
        BuiltinModels.Create(BuiltinModels.TinyLlama, work.File("merged"), seed: 3);
        var manifest = new ExperimentManifest
        {
            Name = "t",
            Export = new ExportSection { Opset = 17, Formats = ["onnx", "gguf"], GgufTypes = ["q8_0"] },
        };
        const string template = "### 指示：\n{{ .Prompt }}\n\n### 応答：\n";
        var stage = new ExportStage(manifest, ModelReference.FromStage("merge"), template, ["###"]);
        Directory.CreateDirectory(work.File("out"));
        var context = new StageContext
        {
            StageName = "export-tuned", Key = "k", OutputDirectory = work.File("out"), WorkDirectory = work.File("work"),
            UpstreamOutputs = new Dictionary<string, string> { ["merge"] = work.File("merged") }, Seed = 1,
            Reporter = SilentStageReporter.Instance,
        };
        await stage.RunAsync(context, CancellationToken.None);

        var names = Directory.GetFiles(context.OutputDirectory).Select(Path.GetFileName).ToArray();
        Assert.Contains("model.onnx", names);
        Assert.Contains("model-q8_0.gguf", names);
        Assert.DoesNotContain("model-f16.gguf", names);
        Assert.DoesNotContain(names, n => n!.Contains("tmp", StringComparison.Ordinal));
        Assert.Equal("""
            # Ollama Modelfile written by medtune for medtune-model
            #   ollama create medtune-model -f Modelfile
            FROM ./model-q8_0.gguf
            TEMPLATE \"\"\"### 指示：
            {{ .Prompt }}

            ### 応答：
            \"\"\"
            PARAMETER stop "###"
            PARAMETER temperature 0
            PARAMETER num_ctx 512

            """.Replace("\\\"", "\""), File.ReadAllText(Path.Combine(context.OutputDirectory, "Modelfile")));
        Assert.Equal("model-q8_0.gguf", context.RecordFacts["gguf_files"]![0]!["file"]!.GetValue<string>());
        Assert.Equal("""{"opset":17,"precision":"fp32","formats":["onnx","gguf"],"gguf_types":["q8_0"],"modelfile_template":"### 指示：\n{{ .Prompt }}\n\n### 応答：\n","modelfile_stops":["###"]}""",
            ExportStage.ConfigFor(manifest, template, ["###"]).ToJsonString(new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
    }

    [Fact]
    public void Onnx_only_exports_keep_their_stage_config_unchanged()
    {
        var manifest = new ExperimentManifest { Name = "t", Export = new ExportSection { Opset = 21 } };
        Assert.Equal("""{"opset":21,"precision":"fp32"}""", ExportStage.ConfigFor(manifest, "x", ["###"]).ToJsonString());
    }

    private static string ReadString(BinaryReader r) => Encoding.UTF8.GetString(r.ReadBytes((int)r.ReadUInt64()));
}
