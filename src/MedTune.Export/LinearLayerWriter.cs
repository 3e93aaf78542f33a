using System.Runtime.InteropServices;
using Onnx;
using static MedTune.Export.OnnxGraphBuilder;

namespace MedTune.Export;

/// <summary>
/// Emits <c>y = x W^T + b</c> for a Hugging Face [out, in] weight in the export precision: MatMul on a
/// transposed float32 weight, MatMul on a float16 weight upcast by Cast, or com.microsoft MatMulNBits.
/// Biases stay float32.
/// </summary>
public sealed class LinearLayerWriter(OnnxGraphBuilder graph, ExportPrecision precision)
{
    public string Linear(string input, string name, float[] weight, int outFeatures, int inFeatures, float[]? bias)
    {
        if (weight.Length != (long)outFeatures * inFeatures)
            throw new InvalidOperationException($"{name}: weight has {weight.Length} values, expected [{outFeatures}, {inFeatures}]");
        var output = precision == ExportPrecision.Int4
            ? QuantizedMatMul(input, name, weight, outFeatures, inFeatures)
            : graph.Node("MatMul", [input, StoredTransposed(name, weight, outFeatures, inFeatures)], graph.UniqueName(name + "_out"));
        if (bias is null) return output;
        var biasName = graph.FloatInitializer(name + ".bias", [outFeatures], bias);
        return graph.Node("Add", [output, biasName], graph.UniqueName(name + "_biased"));
    }

    /// <summary>An embedding table [rows, columns]: float16 for fp16 exports, float32 otherwise (int4 quantises linear layers only).</summary>
    public string Table(string name, float[] values, int rows, int columns) =>
        TableIsHalf
            ? graph.Initializer(name, (int)TensorProto.Types.DataType.Float16, [rows, columns], MemoryMarshal.AsBytes(ToHalf(values).AsSpan()))
            : graph.FloatInitializer(name, [rows, columns], values);

    /// <summary>Whether <see cref="Table"/> stores float16 so that its gathered rows need a Cast to float32.</summary>
    public bool TableIsHalf => precision == ExportPrecision.Fp16;

    private string StoredTransposed(string name, float[] weight, int outFeatures, int inFeatures)
    {
        var transposed = new float[weight.Length];
        for (var o = 0; o < outFeatures; o++)
            for (var i = 0; i < inFeatures; i++)
                transposed[(long)i * outFeatures + o] = weight[(long)o * inFeatures + i];
        if (precision == ExportPrecision.Fp32)
            return graph.FloatInitializer(name + ".weight_t", [inFeatures, outFeatures], transposed);
        var half = graph.Initializer(name + ".weight_t", (int)TensorProto.Types.DataType.Float16, [inFeatures, outFeatures], MemoryMarshal.AsBytes(ToHalf(transposed).AsSpan()));
        return graph.Node("Cast", [half], graph.UniqueName(name + ".weight_t_f32"), "", IntAttribute("to", (int)TensorProto.Types.DataType.Float));
    }

    private string QuantizedMatMul(string input, string name, float[] weight, int outFeatures, int inFeatures)
    {
        var q = Int4BlockQuantizer.Quantize(weight, outFeatures, inFeatures);
        var packed = graph.Initializer(name + ".weight_q4", (int)TensorProto.Types.DataType.Uint8,
            [outFeatures, q.BlocksPerRow, Int4BlockQuantizer.BlockSize / 2], q.Packed);
        var scales = graph.FloatInitializer(name + ".weight_scales", [q.Scales.Length], q.Scales);
        var zeroPoints = graph.Initializer(name + ".weight_zero_points", (int)TensorProto.Types.DataType.Uint8, [q.ZeroPoints.Length], q.ZeroPoints);
        return graph.Node("MatMulNBits", [input, packed, scales, zeroPoints], graph.UniqueName(name + "_out"), MicrosoftDomain,
            IntAttribute("K", inFeatures), IntAttribute("N", outFeatures), IntAttribute("bits", 4),
            IntAttribute("block_size", Int4BlockQuantizer.BlockSize));
    }

    private static Half[] ToHalf(float[] values)
    {
        var halves = new Half[values.Length];
        for (var i = 0; i < values.Length; i++) halves[i] = (Half)values[i];
        return halves;
    }
}
