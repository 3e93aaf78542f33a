using Google.Protobuf;
using Onnx;

namespace MedTune.Export;

// ONNX protobuf classes come from the OnnxSharp package (public generated Onnx.* types over Google.Protobuf),
// which saves compiling and maintaining our own copy of onnx.proto for the handful of messages we write.

/// <summary>
/// Appends nodes, initializers and graph inputs/outputs to an ONNX graph, naming intermediate values
/// uniquely. Knows nothing about transformers; the decoder builders speak through it.
/// </summary>
public sealed class OnnxGraphBuilder
{
    public const string MicrosoftDomain = "com.microsoft";

    private readonly Dictionary<string, int> _nameCounts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _constantCache = new(StringComparer.Ordinal);

    public OnnxGraphBuilder(string graphName, int opset)
    {
        Graph = new GraphProto { Name = graphName };
        Opset = opset;
    }

    public GraphProto Graph { get; }
    public int Opset { get; }
    public HashSet<string> OperatorTypesUsed { get; } = new(StringComparer.Ordinal);
    public bool UsesMicrosoftDomain { get; private set; }

    /// <summary>Total bytes of initializer data added so far.</summary>
    public long InitializerBytes { get; private set; }

    public string UniqueName(string stem)
    {
        var count = _nameCounts.GetValueOrDefault(stem);
        _nameCounts[stem] = count + 1;
        return count == 0 ? stem : $"{stem}_{count}";
    }

    /// <summary>Adds a node with one output and returns that output's name.</summary>
    public string Node(string opType, IEnumerable<string> inputs, string? outputName = null, string domain = "", params AttributeProto[] attributes) =>
        NodeMulti(opType, inputs, [outputName ?? UniqueName(opType.ToLowerInvariant())], domain, attributes)[0];

    public string[] NodeMulti(string opType, IEnumerable<string> inputs, IReadOnlyList<string> outputs, string domain = "", params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = UniqueName("n_" + opType), Domain = domain };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        OperatorTypesUsed.Add(domain.Length == 0 ? opType : $"{domain}.{opType}");
        if (domain == MicrosoftDomain) UsesMicrosoftDomain = true;
        return outputs.ToArray();
    }

    /// <summary>Where sizeable initializers go as they are added; null keeps them in the graph (in memory).</summary>
    public ExternalDataWriter? ExternalData { get; private set; }

    /// <summary>From now on, initializers above <see cref="ExternalDataWriter.InlineLimitBytes"/> are written to <paramref name="writer"/> at once.</summary>
    public void StreamInitializersTo(ExternalDataWriter writer)
    {
        if (Graph.Initializer.Count > 0)
            throw new InvalidOperationException("stream initializers from the start: the graph already holds some in memory.");
        ExternalData = writer;
    }

    public string Initializer(string name, int dataType, long[] dims, ReadOnlySpan<byte> rawData)
    {
        var tensor = new TensorProto { Name = name, DataType = dataType };
        tensor.Dims.AddRange(dims);
        if (ExternalData is not null && ExternalDataWriter.IsExternal(rawData.Length))
            ExternalData.Append(tensor, rawData);
        else
            tensor.RawData = ByteString.CopyFrom(rawData);
        Graph.Initializer.Add(tensor);
        InitializerBytes += rawData.Length;
        return name;
    }

    public string FloatInitializer(string name, long[] dims, ReadOnlySpan<float> values) =>
        Initializer(name, (int)TensorProto.Types.DataType.Float, dims, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values));

    /// <summary>A small int64 constant (shapes, axes, slice bounds), shared between nodes that use the same values.</summary>
    public string Int64Constant(params long[] values)
    {
        var key = "i64:" + string.Join(",", values);
        if (_constantCache.TryGetValue(key, out var existing)) return existing;
        var name = UniqueName("const_i64");
        Initializer(name, (int)TensorProto.Types.DataType.Int64, [values.Length], System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
        return _constantCache[key] = name;
    }

    /// <summary>An int64 scalar (rank 0) constant.</summary>
    public string Int64Scalar(long value)
    {
        var key = "i64s:" + value;
        if (_constantCache.TryGetValue(key, out var existing)) return existing;
        var name = UniqueName("const_i64_scalar");
        Initializer(name, (int)TensorProto.Types.DataType.Int64, [], BitConverter.GetBytes(value));
        return _constantCache[key] = name;
    }

    /// <summary>A float32 scalar (rank 0) constant.</summary>
    public string FloatScalar(float value)
    {
        var key = "f32s:" + BitConverter.SingleToInt32Bits(value);
        if (_constantCache.TryGetValue(key, out var existing)) return existing;
        var name = UniqueName("const_f32_scalar");
        Initializer(name, (int)TensorProto.Types.DataType.Float, [], BitConverter.GetBytes(value));
        return _constantCache[key] = name;
    }

    public void Input(string name, TensorProto.Types.DataType elementType, params object[] dims) =>
        Graph.Input.Add(ValueInfo(name, elementType, dims));

    public void Output(string name, TensorProto.Types.DataType elementType, params object[] dims) =>
        Graph.Output.Add(ValueInfo(name, elementType, dims));

    /// <summary>A tensor value description; each dim is a fixed size (int/long) or a symbolic name (string).</summary>
    private static ValueInfoProto ValueInfo(string name, TensorProto.Types.DataType elementType, object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var dim in dims)
        {
            shape.Dim.Add(dim switch
            {
                string symbol => new TensorShapeProto.Types.Dimension { DimParam = symbol },
                int size => new TensorShapeProto.Types.Dimension { DimValue = size },
                long size => new TensorShapeProto.Types.Dimension { DimValue = size },
                _ => throw new ArgumentException($"dimension {dim} of {name} is neither a size nor a name"),
            });
        }
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)elementType, Shape = shape } },
        };
    }

    public static AttributeProto IntAttribute(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto FloatAttribute(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto IntsAttribute(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    public static AttributeProto TensorAttribute(string name, TensorProto value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Tensor, T = value };
}
