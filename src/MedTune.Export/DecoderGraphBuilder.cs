using MedTune.Checkpoints;
using Onnx;
using static MedTune.Export.OnnxGraphBuilder;
using DataType = Onnx.TensorProto.Types.DataType;

namespace MedTune.Export;

/// <summary>
/// The parts every decoder graph shares, in plain ONNX operators: the input/output signature, the
/// causal + left-padding attention bias, rotary cos/sin from <c>position_ids</c>, and grouped-query
/// attention over a key/value cache. Subclasses add the family's layers.
/// </summary>
public abstract class DecoderGraphBuilder
{
    public const string InputIds = "input_ids";
    public const string AttentionMask = "attention_mask";
    public const string PositionIds = "position_ids";
    public const string Logits = "logits";
    public static string PastKey(int layer) => $"past_key_values.{layer}.key";
    public static string PastValue(int layer) => $"past_key_values.{layer}.value";
    public static string PresentKey(int layer) => $"present.{layer}.key";
    public static string PresentValue(int layer) => $"present.{layer}.value";

    protected DecoderGraphBuilder(ModelConfig config, CheckpointWeights weights, ExportOptions options)
    {
        if (options.Opset < 17)
            throw new ArgumentException($"export opset {options.Opset} is too old; the decoder graph needs opset 17 or newer (LayerNormalization).");
        if (options.FusedOperators && options.Opset < 23)
            throw new ArgumentException($"fused operators (RMSNormalization, RotaryEmbedding, Attention) need opset 23 or newer; opset {options.Opset} was requested.");
        Fused = options.FusedOperators;
        Config = config;
        Weights = weights;
        Graph = new OnnxGraphBuilder("medtune_decoder", options.Opset);
        Linears = new LinearLayerWriter(Graph, options.Precision);
    }

    protected ModelConfig Config { get; }
    protected CheckpointWeights Weights { get; }
    public OnnxGraphBuilder Graph { get; }
    protected LinearLayerWriter Linears { get; }
    /// <summary>Whether opset-23 fused operators replace the plain-operator expansions.</summary>
    protected bool Fused { get; }

    private string _attentionBias = "";
    private string _cos = "";
    private string _sin = "";

    /// <summary>Steps <see cref="Build"/> reports: the embedding, each decoder layer, the head.</summary>
    public int ProgressSteps => Config.NumLayers + 2;

    public GraphProto Build(IProgress<int>? steps = null)
    {
        DeclareInputsAndOutputs();
        _attentionBias = BuildAttentionBias();
        (_cos, _sin) = Fused ? BuildRotaryCaches() : BuildRotaryTables();
        var hidden = Embed();
        steps?.Report(1);
        for (var layer = 0; layer < Config.NumLayers; layer++)
        {
            hidden = DecoderLayer(layer, hidden);
            steps?.Report(1);
        }
        var logits = Head(hidden);
        steps?.Report(1);
        Graph.Node("Identity", [logits], Logits);
        return Graph.Graph;
    }

    protected abstract string Embed();
    protected abstract string DecoderLayer(int layer, string hidden);
    /// <summary>Final norm and LM head; returns [batch, seq, vocab] float32.</summary>
    protected abstract string Head(string hidden);

    private void DeclareInputsAndOutputs()
    {
        Graph.Input(InputIds, DataType.Int64, "batch_size", "sequence_length");
        Graph.Input(AttentionMask, DataType.Int64, "batch_size", "total_sequence_length");
        Graph.Input(PositionIds, DataType.Int64, "batch_size", "sequence_length");
        for (var i = 0; i < Config.NumLayers; i++)
        {
            Graph.Input(PastKey(i), DataType.Float, "batch_size", Config.NumKeyValueHeads, "past_sequence_length", Config.HeadDim);
            Graph.Input(PastValue(i), DataType.Float, "batch_size", Config.NumKeyValueHeads, "past_sequence_length", Config.HeadDim);
        }
        Graph.Output(Logits, DataType.Float, "batch_size", "sequence_length", Config.VocabSize);
        for (var i = 0; i < Config.NumLayers; i++)
        {
            Graph.Output(PresentKey(i), DataType.Float, "batch_size", Config.NumKeyValueHeads, "total_sequence_length", Config.HeadDim);
            Graph.Output(PresentValue(i), DataType.Float, "batch_size", Config.NumKeyValueHeads, "total_sequence_length", Config.HeadDim);
        }
    }

    /// <summary>
    /// [batch, 1, seq, total] float: 0 where query i (absolute index past + i) may attend key j, i.e.
    /// j ≤ past + i and attention_mask[b, j] = 1; the most negative float elsewhere.
    /// </summary>
    private string BuildAttentionBias()
    {
        var g = Graph;
        var sequence = g.Node("Shape", [InputIds], "sequence_length_1d", "", IntAttribute("start", 1), IntAttribute("end", 2));
        var total = g.Node("Shape", [AttentionMask], "total_length_1d", "", IntAttribute("start", 1), IntAttribute("end", 2));
        var sequenceScalar = g.Node("Squeeze", [sequence, g.Int64Constant(0)], "sequence_length");
        var totalScalar = g.Node("Squeeze", [total, g.Int64Constant(0)], "total_length");
        var pastScalar = g.Node("Sub", [totalScalar, sequenceScalar], "past_length");
        var keyIndex = g.Node("Range", [g.Int64Scalar(0), totalScalar, g.Int64Scalar(1)], "key_index");
        var queryIndex = g.Node("Range", [pastScalar, totalScalar, g.Int64Scalar(1)], "query_index");
        var causal = g.Node("LessOrEqual",
            [g.Node("Unsqueeze", [keyIndex, g.Int64Constant(0)]), g.Node("Unsqueeze", [queryIndex, g.Int64Constant(1)])],
            "causal_allowed");
        var notPadding = g.Node("Cast", [AttentionMask], "key_is_token", "", IntAttribute("to", (int)DataType.Bool));
        var notPadding4d = g.Node("Unsqueeze", [notPadding, g.Int64Constant(1, 2)]);
        var allowed = g.Node("And", [causal, notPadding4d], "attention_allowed");
        return g.Node("Where", [allowed, g.FloatScalar(0f), g.FloatScalar(float.MinValue)], "attention_bias");
    }

    /// <summary>cos/sin [batch, 1, seq, rotary_dim] of position_ids × inv_freq, halves repeated as transformers does.</summary>
    private (string Cos, string Sin) BuildRotaryTables()
    {
        var g = Graph;
        var inverse = RotaryFrequencies.Inverse(Config.RotaryDim, Config.RopeTheta, Config.RopeScaling);
        var inverseName = g.FloatInitializer("rotary_inv_freq", [inverse.Length], inverse);
        var positions = g.Node("Cast", [PositionIds], "position_float", "", IntAttribute("to", (int)DataType.Float));
        var angles = g.Node("Mul", [g.Node("Unsqueeze", [positions, g.Int64Constant(2)]), inverseName], "rotary_angles");
        var both = g.Node("Concat", [angles, angles], "rotary_angles_full", "", IntAttribute("axis", -1));
        var cos = g.Node("Unsqueeze", [g.Node("Cos", [both]), g.Int64Constant(1)], "rotary_cos");
        var sin = g.Node("Unsqueeze", [g.Node("Sin", [both]), g.Int64Constant(1)], "rotary_sin");
        return (cos, sin);
    }

    /// <summary>cos/sin [batch, seq, rotary_dim / 2] of position_ids × inv_freq, the per-token caches RotaryEmbedding reads.</summary>
    private (string Cos, string Sin) BuildRotaryCaches()
    {
        var g = Graph;
        var inverse = RotaryFrequencies.Inverse(Config.RotaryDim, Config.RopeTheta, Config.RopeScaling);
        var inverseName = g.FloatInitializer("rotary_inv_freq", [inverse.Length], inverse);
        var positions = g.Node("Cast", [PositionIds], "position_float", "", IntAttribute("to", (int)DataType.Float));
        var angles = g.Node("Mul", [g.Node("Unsqueeze", [positions, g.Int64Constant(2)]), inverseName], "rotary_angles");
        return (g.Node("Cos", [angles], "rotary_cos"), g.Node("Sin", [angles], "rotary_sin"));
    }

    /// <summary>x [b, heads, s, head_dim] with its first rotary_dim dimensions rotated (rotate_half convention).</summary>
    private string ApplyRotary(string x)
    {
        var g = Graph;
        int headDim = Config.HeadDim, rotary = Config.RotaryDim, half = rotary / 2;
        var axis = g.Int64Constant(3);
        var rotated = rotary == headDim ? x : g.Node("Slice", [x, g.Int64Constant(0), g.Int64Constant(rotary), axis]);
        var first = g.Node("Slice", [rotated, g.Int64Constant(0), g.Int64Constant(half), axis]);
        var second = g.Node("Slice", [rotated, g.Int64Constant(half), g.Int64Constant(rotary), axis]);
        var rotateHalf = g.Node("Concat", [g.Node("Neg", [second]), first], null, "", IntAttribute("axis", 3));
        var result = g.Node("Add", [g.Node("Mul", [rotated, _cos]), g.Node("Mul", [rotateHalf, _sin])]);
        if (rotary == headDim) return result;
        var pass = g.Node("Slice", [x, g.Int64Constant(rotary), g.Int64Constant(headDim), axis]);
        return g.Node("Concat", [result, pass], null, "", IntAttribute("axis", 3));
    }

    /// <summary>[b, s, heads*head_dim] → [b, heads, s, head_dim].</summary>
    private string SplitHeads(string x, int heads) =>
        Graph.Node("Transpose", [Graph.Node("Reshape", [x, Graph.Int64Constant(0, 0, heads, Config.HeadDim)])], null, "",
            IntsAttribute("perm", 0, 2, 1, 3));

    /// <summary>
    /// Scaled dot-product attention of projected q [b,s,H*d], k and v [b,s,KV*d] with rotary and the cache of
    /// <paramref name="layer"/>; returns [b, s, H*d]. Query heads are grouped per key/value head by a reshape
    /// (head h uses key/value head h / (H/KV)), so the cache is never repeated in memory.
    /// </summary>
    protected string Attention(int layer, string query, string key, string value) =>
        Fused ? FusedAttention(layer, query, key, value) : PlainAttention(layer, query, key, value);

    /// <summary>The same attention as opset-23 RotaryEmbedding (on [b, s, heads*d]) and Attention (grouped-query, with the cache).</summary>
    private string FusedAttention(int layer, string query, string key, string value)
    {
        var g = Graph;
        int heads = Config.NumAttentionHeads, kvHeads = Config.NumKeyValueHeads;
        string Rotate(string x, int headCount) => g.Node("RotaryEmbedding", [x, _cos, _sin], null, "",
            IntAttribute("num_heads", headCount), IntAttribute("interleaved", 0), IntAttribute("rotary_embedding_dim", Config.RotaryDim));
        var outputs = g.NodeMulti("Attention",
            [Rotate(query, heads), Rotate(key, kvHeads), value, _attentionBias, PastKey(layer), PastValue(layer)],
            [$"layers.{layer}.attention_context", PresentKey(layer), PresentValue(layer)], "",
            IntAttribute("q_num_heads", heads), IntAttribute("kv_num_heads", kvHeads),
            FloatAttribute("scale", (float)(1.0 / Math.Sqrt(Config.HeadDim))));
        return outputs[0];
    }

    private string PlainAttention(int layer, string query, string key, string value)
    {
        var g = Graph;
        int heads = Config.NumAttentionHeads, kvHeads = Config.NumKeyValueHeads, headDim = Config.HeadDim;
        var q = ApplyRotary(SplitHeads(query, heads));
        var k = ApplyRotary(SplitHeads(key, kvHeads));
        var v = SplitHeads(value, kvHeads);
        var presentKey = g.Node("Concat", [PastKey(layer), k], PresentKey(layer), "", IntAttribute("axis", 2));
        var presentValue = g.Node("Concat", [PastValue(layer), v], PresentValue(layer), "", IntAttribute("axis", 2));

        var scaledQuery = g.Node("Mul", [q, g.FloatScalar((float)(1.0 / Math.Sqrt(headDim)))]);
        var grouped = g.Node("Reshape", [scaledQuery, g.Int64Constant(0, kvHeads, -1, headDim)]);
        var keyTransposed = g.Node("Transpose", [presentKey], null, "", IntsAttribute("perm", 0, 1, 3, 2));
        var scores = g.Node("Reshape", [g.Node("MatMul", [grouped, keyTransposed]), g.Int64Constant(0, heads, -1, 0)]);
        var probabilities = g.Node("Softmax", [g.Node("Add", [scores, _attentionBias])], null, "", IntAttribute("axis", -1));
        var groupedProbabilities = g.Node("Reshape", [probabilities, g.Int64Constant(0, kvHeads, -1, 0)]);
        var context = g.Node("Reshape", [g.Node("MatMul", [groupedProbabilities, presentValue]), g.Int64Constant(0, heads, -1, headDim)]);
        var merged = g.Node("Transpose", [context], null, "", IntsAttribute("perm", 0, 2, 1, 3));
        return g.Node("Reshape", [merged, g.Int64Constant(0, 0, heads * headDim)], $"layers.{layer}.attention_context");
    }

    /// <summary>Gathers rows of an embedding table for input_ids, as float32.</summary>
    protected string EmbeddingLookup(string tensorName)
    {
        var table = ReadMatrix(tensorName, Config.VocabSize, Config.HiddenSize);
        var stored = Linears.Table(tensorName, table, Config.VocabSize, Config.HiddenSize);
        var gathered = Graph.Node("Gather", [stored, InputIds], "embeddings");
        return Linears.TableIsHalf
            ? Graph.Node("Cast", [gathered], "embeddings_f32", "", IntAttribute("to", (int)DataType.Float))
            : gathered;
    }

    protected float[] ReadMatrix(string name, int rows, int columns) => ReadStackedMatrices(columns, (name, rows));

    /// <summary>
    /// Matrices of <paramref name="columns"/> columns stacked row-wise into one array (a fused projection such as
    /// gate_up), each read straight into its place: the result is the only full-size allocation.
    /// </summary>
    protected float[] ReadStackedMatrices(int columns, params (string Name, int Rows)[] parts)
    {
        foreach (var (name, rows) in parts)
        {
            var info = Weights.Info(name);
            if (info.Shape.Length != 2 || info.Shape[0] != rows || info.Shape[1] != columns)
                throw new CheckpointException(
                    $"checkpoint tensor '{name}' has shape [{string.Join(", ", info.Shape)}], config.json implies [{rows}, {columns}].");
        }
        var result = new float[parts.Sum(p => (long)p.Rows * columns)];
        long offset = 0;
        foreach (var (name, rows) in parts)
        {
            Weights.ReadFloat32(name, result.AsSpan((int)offset, rows * columns));
            offset += (long)rows * columns;
        }
        return result;
    }

    protected float[] ReadVector(string name, int length)
    {
        var info = Weights.Info(name);
        if (info.Shape.Length != 1 || info.Shape[0] != length)
            throw new CheckpointException(
                $"checkpoint tensor '{name}' has shape [{string.Join(", ", info.Shape)}], config.json implies [{length}].");
        return Weights.ReadFloat32(name);
    }

    protected float[]? ReadOptionalVector(string name, int length) => Weights.Contains(name) ? ReadVector(name, length) : null;

    protected string VectorInitializer(string name, int length) => Graph.FloatInitializer(name, [length], ReadVector(name, length));

    /// <summary>Rows of several [rows_i, in] matrices stacked into one [Σrows, in] matrix (one MatMul for q/k/v or gate/up).</summary>
    protected static float[] StackRows(params float[][] matrices) => matrices.SelectMany(m => m).ToArray();

    protected string[] SplitLastAxis(string x, params long[] sizes) =>
        Graph.NodeMulti("Split", [x, Graph.Int64Constant(sizes)],
            sizes.Select((_, i) => Graph.UniqueName(x + "_part" + i)).ToArray(), "", IntAttribute("axis", -1));

    /// <summary>
    /// Logits from the head weight <paramref name="headWeight"/>, or from the embedding table when the head is
    /// tied (stored again, transposed or quantised, because MatMul wants the other layout).
    /// </summary>
    protected string LmHead(string normalized, string headWeight, string embeddingWeight)
    {
        var tied = !Weights.Contains(headWeight);
        if (tied && !Config.TieWordEmbeddings)
            throw new CheckpointException($"checkpoint tensor '{headWeight}' is missing and config.json does not set tie_word_embeddings.");
        var weight = ReadMatrix(tied ? embeddingWeight : headWeight, Config.VocabSize, Config.HiddenSize);
        return Linears.Linear(normalized, tied ? "lm_head_tied" : headWeight[..^".weight".Length], weight, Config.VocabSize, Config.HiddenSize, null);
    }
}
