using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace MedTune.Inference;

/// <summary>
/// An exported ONNX decoder (inputs input_ids / attention_mask / position_ids / past_key_values.{i}.key|value,
/// outputs logits / present.{i}.key|value) run by ONNX Runtime. Each session feeds the present key/value
/// OrtValues of one call back as the past of the next, without copying them.
/// </summary>
public sealed class OnnxDecoderModel : IDecoderModel
{
    public const string DefaultModelFileName = "model.onnx";

    private readonly InferenceSession _session;
    private readonly int _layers;
    private readonly int _keyValueHeads;
    private readonly int _headDim;

    /// <param name="modelPath">A model.onnx file or the directory holding it.</param>
    /// <param name="device"><c>cpu</c>, <c>cuda</c> (fails if the CUDA execution provider cannot be added) or <c>auto</c> (CUDA when available, else CPU).</param>
    /// <param name="intraOpThreads">CPU threads for this session; 0 = <see cref="InferenceThreads.IntraOp"/>.</param>
    public OnnxDecoderModel(string modelPath, string device = "auto", int intraOpThreads = 0)
    {
        var file = Directory.Exists(modelPath) ? Path.Combine(modelPath, DefaultModelFileName) : modelPath;
        if (!File.Exists(file))
            throw new FileNotFoundException($"{file}: ONNX model not found; run the export stage first or point at an exported model directory.", file);
        if (device is not ("auto" or "cpu" or "cuda"))
            throw new ArgumentException($"device '{device}' is not supported; use auto, cpu or cuda.", nameof(device));

        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        var threads = intraOpThreads > 0 ? intraOpThreads : InferenceThreads.IntraOp;
        if (threads > 0)
        {
            options.IntraOpNumThreads = threads;
            options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        }
        ExecutionProvider = "CPU";
        if (device != "cpu")
        {
            try
            {
                options.AppendExecutionProvider_CUDA(0);
                ExecutionProvider = "CUDA";
            }
            catch (Exception e) when (e is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
            {
                if (device == "cuda")
                    throw new ExecutionProviderUnavailableException(
                        $"device 'cuda' was requested (evaluate.device) but ONNX Runtime's CUDA execution provider is unavailable ({e.Message.Trim()}). " +
                        "Fix: build medtune with the GPU package (`dotnet build -p:OnnxBackend=cuda`, Microsoft.ML.OnnxRuntime.Gpu.Linux) on a machine " +
                        "with CUDA 12 and cuDNN 9, or set evaluate.device to auto or cpu.", e);
            }
        }
        _session = new InferenceSession(file, options);

        var pastKey = _session.InputMetadata.TryGetValue("past_key_values.0.key", out var metadata)
            ? metadata
            : throw new InvalidOperationException($"{file}: input 'past_key_values.0.key' is missing; this is not a medtune/GenAI-style decoder with a key/value cache.");
        if (pastKey.ElementDataType != TensorElementType.Float)
            throw new NotSupportedException($"{file}: key/value cache of type {pastKey.ElementDataType} is not supported (float32 is).");
        _layers = _session.InputMetadata.Keys.Count(k => k.StartsWith("past_key_values.", StringComparison.Ordinal) && k.EndsWith(".key", StringComparison.Ordinal));
        _keyValueHeads = pastKey.Dimensions[1];
        _headDim = pastKey.Dimensions[3];
        var logits = _session.OutputMetadata["logits"];
        VocabSize = logits.Dimensions[^1];
    }

    public int VocabSize { get; }

    /// <summary><c>CPU</c> or <c>CUDA</c>: the execution provider the session was created with.</summary>
    public string ExecutionProvider { get; }

    public IDecoderSession StartSession(int batchSize) => new Session(this, batchSize);

    public void Dispose() => _session.Dispose();

    private sealed class Session : IDecoderSession
    {
        private readonly OnnxDecoderModel _model;
        private readonly string[] _inputNames;
        private readonly string[] _outputNames;
        private OrtValue[] _past;

        public Session(OnnxDecoderModel model, int batchSize)
        {
            if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), "batch size must be at least 1");
            _model = model;
            BatchSize = batchSize;
            var cacheNames = Enumerable.Range(0, model._layers).SelectMany(i => new[] { $"past_key_values.{i}.key", $"past_key_values.{i}.value" });
            _inputNames = ["input_ids", "attention_mask", "position_ids", .. cacheNames];
            _outputNames = ["logits", .. Enumerable.Range(0, model._layers).SelectMany(i => new[] { $"present.{i}.key", $"present.{i}.value" })];
            long[] emptyShape = [batchSize, model._keyValueHeads, 0, model._headDim];
            _past = Enumerable.Range(0, 2 * model._layers)
                .Select(_ => OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, TensorElementType.Float, emptyShape))
                .ToArray();
        }

        public int BatchSize { get; }
        public int PastLength { get; private set; }

        public float[] Forward(ReadOnlySpan<long> tokens, ReadOnlySpan<long> attentionMask, ReadOnlySpan<long> positionIds, int seq, bool allPositions)
        {
            if (seq < 1) throw new ArgumentOutOfRangeException(nameof(seq), "at least one token per row is needed");
            if (tokens.Length != BatchSize * seq || positionIds.Length != BatchSize * seq)
                throw new ArgumentException($"tokens and position ids need {BatchSize}×{seq} values (got {tokens.Length} and {positionIds.Length}).");
            var total = PastLength + seq;
            if (attentionMask.Length != BatchSize * total)
                throw new ArgumentException($"attention mask needs {BatchSize}×{total} values (past {PastLength} + {seq}); got {attentionMask.Length}.");

            using var ids = OrtValue.CreateTensorValueFromMemory(tokens.ToArray(), [BatchSize, seq]);
            using var mask = OrtValue.CreateTensorValueFromMemory(attentionMask.ToArray(), [BatchSize, total]);
            using var positions = OrtValue.CreateTensorValueFromMemory(positionIds.ToArray(), [BatchSize, seq]);
            OrtValue[] inputs = [ids, mask, positions, .. _past];
            using var runOptions = new RunOptions();
            // The returned collection is not disposed as a whole: its present.* values live on as the next past.
            var outputs = _model._session.Run(runOptions, _inputNames, inputs, _outputNames).ToArray();
            foreach (var old in _past) old.Dispose();
            _past = outputs[1..];
            PastLength = total;
            using var logits = outputs[0];
            return SelectLogits(logits.GetTensorDataAsSpan<float>(), seq, allPositions);
        }

        private float[] SelectLogits(ReadOnlySpan<float> logits, int seq, bool allPositions)
        {
            if (allPositions) return logits.ToArray();
            var vocab = _model.VocabSize;
            var last = new float[BatchSize * vocab];
            for (var b = 0; b < BatchSize; b++)
                logits.Slice((b * seq + seq - 1) * vocab, vocab).CopyTo(last.AsSpan(b * vocab, vocab));
            return last;
        }

        public void Dispose()
        {
            foreach (var value in _past) value.Dispose();
            _past = [];
        }
    }
}
