using LLama;
using LLama.Common;
using LLama.Native;
using MedTune.Checkpoints.Tokenization;
using MedTune.Export.Gguf;
using MedTune.Inference;
using MedTune.Models;
using MedTune.Testing;
using Xunit.Abstractions;

namespace MedTune.Export.Tests;

/// <summary>
/// The GGUF exports of both builtin tiny models load in a real llama.cpp (LLamaSharp 0.30.0 with its CPU backend),
/// tokenize like medtune with the embedded vocabulary, and decode greedily to the same tokens as medtune's ONNX export
/// (f16: identical; q8_0: the agreement is measured and bounded).
/// </summary>
public sealed class LlamaCppGgufTests(ITestOutputHelper output)
{
    private const int NewTokens = 24;

    private static readonly string[] Prompts =
    [
        "以下は、タスクを説明する指示です。要求を適切に満たす応答を書きなさい。\n\n### 指示：\n糖尿病の三大合併症を挙げよ。\n\n### 応答：\n",
        "以下は、タスクを説明する指示です。要求を適切に満たす応答を書きなさい。\n\n### 指示：\n急性心筋梗塞で上昇する血液検査項目は何か。\n\n### 応答：\n",
        "高血圧の治療薬",
        "The patient has a fever of 38.5 °C.",
    ];

    /// <summary>Texts whose token ids must agree between medtune's tokenizer and llama.cpp's embedded vocabulary.</summary>
    private static readonly string[] TokenizerTexts =
    [
        .. Prompts,
        "肺炎球菌ﾜｸﾁﾝ  二重  スペース\n改行\t タブ",
        "𠮷野家で🍣を食べた 😀",
        " leading space and trailing ",
        "医師国家試験 問題 1: a,b,c,d,e のうち正しいものを選べ。",
    ];

    private static readonly Lazy<bool> Quiet = new(() =>
    {
        // llama.cpp logs every tensor it loads; keep only errors in the test output.
        NativeLibraryConfig.All.WithLogCallback((level, message) =>
        {
            if (level == LLamaLogLevel.Error) Console.Error.Write(message);
        });
        return true;
    });

    [Theory]
    [InlineData(BuiltinModels.TinyLlama)]
    [InlineData(BuiltinModels.TinyNeoX)]
    public void Gguf_f16_loads_in_llama_cpp_and_decodes_greedily_like_medtune(string builtin)
    {
        using var work = new TempDirectory();
        var (checkpoint, onnx, gguf) = Export(work, builtin);
        var tokenizer = TextTokenizer.Load(checkpoint);

        var ours = MedtuneGreedy(onnx, tokenizer);
        using var llama = new LlamaCppModel(Path.Combine(gguf, GgufExporter.FileNameFor(GgmlType.F16)));
        Assert.Equal(tokenizer.VocabSize, llama.VocabSize);
        foreach (var text in TokenizerTexts)
            Assert.True(tokenizer.Encode(text).SequenceEqual(llama.Tokenize(text)),
                $"tokens of {text}: medtune [{string.Join(",", tokenizer.Encode(text))}] llama.cpp [{string.Join(",", llama.Tokenize(text))}]");

        for (var i = 0; i < Prompts.Length; i++)
        {
            var theirs = llama.Greedy(tokenizer.Encode(Prompts[i]), NewTokens, tokenizer.EosIds);
            output.WriteLine($"{builtin} prompt {i}: medtune [{string.Join(",", ours[i])}] llama.cpp f16 [{string.Join(",", theirs)}]");
            Assert.Equal(ours[i], theirs);
        }
        Assert.Contains(ours, o => o.Count > 0);
    }

    [Theory]
    [InlineData(BuiltinModels.TinyLlama)]
    [InlineData(BuiltinModels.TinyNeoX)]
    public void Gguf_q8_0_loads_in_llama_cpp_and_agrees_with_medtune_on_most_greedy_tokens(string builtin)
    {
        using var work = new TempDirectory();
        var (checkpoint, onnx, gguf) = Export(work, builtin);
        var tokenizer = TextTokenizer.Load(checkpoint);
        var ours = MedtuneGreedy(onnx, tokenizer);
        using var llama = new LlamaCppModel(Path.Combine(gguf, GgufExporter.FileNameFor(GgmlType.Q8_0)));

        int compared = 0, agreed = 0;
        for (var i = 0; i < Prompts.Length; i++)
        {
            var theirs = llama.Greedy(tokenizer.Encode(Prompts[i]), NewTokens, tokenizer.EosIds);
            output.WriteLine($"{builtin} prompt {i}: medtune [{string.Join(",", ours[i])}] llama.cpp q8_0 [{string.Join(",", theirs)}]");
            // Tokens up to the first divergence: after it the two continue from different contexts.
            var prefix = ours[i].Zip(theirs).TakeWhile(p => p.First == p.Second).Count();
            agreed += prefix;
            compared += Math.Max(ours[i].Count, theirs.Count);
        }
        var agreement = (double)agreed / compared;
        output.WriteLine($"{builtin} q8_0: {agreed}/{compared} greedy tokens agree before the first divergence ({agreement:P1})");
        // Measured: tiny-llama 73/96 (76.0 %), tiny-neox 78/96 (81.2 %); deterministic on CPU.
        Assert.True(agreement >= 0.7, $"q8_0 greedy agreement {agreement:P1} is below 70%");
    }

    [Fact]
    public void Gguf_files_carry_the_architecture_and_the_embedded_tokenizer_llama_cpp_reads()
    {
        using var work = new TempDirectory();
        var (_, _, gguf) = Export(work, BuiltinModels.TinyNeoX);
        using var llama = new LlamaCppModel(Path.Combine(gguf, GgufExporter.FileNameFor(GgmlType.F16)));
        Assert.Equal("gptneox", llama.Metadata["general.architecture"]);
        Assert.Equal("gpt2", llama.Metadata["tokenizer.ggml.model"]);
        Assert.Equal("gpt-2", llama.Metadata["tokenizer.ggml.pre"]);
        Assert.Equal("true", llama.Metadata["gptneox.use_parallel_residual"]);
        Assert.Equal("8", llama.Metadata["gptneox.rope.dimension_count"]);
        var modelfile = File.ReadAllText(Path.Combine(gguf, GgufExporter.ModelfileName));
        Assert.Contains("FROM ./model-f16.gguf", modelfile);
        Assert.Contains("TEMPLATE \"\"\"### 質問：\n{{ .Prompt }}\n### 回答：\n\"\"\"", modelfile);
    }

    private (string Checkpoint, string Onnx, string Gguf) Export(TempDirectory work, string builtin)
    {
        _ = Quiet.Value;
        var checkpoint = Path.Combine(work.Path, "checkpoint");
        var onnx = Path.Combine(work.Path, "onnx");
        var gguf = Path.Combine(work.Path, "gguf");
        BuiltinModels.Create(builtin, checkpoint, seed: 42);
        OnnxExporter.Export(checkpoint, onnx, new ExportOptions());
        Directory.CreateDirectory(gguf);
        var files = GgufExporter.Export(checkpoint, gguf, new GgufExportOptions
        {
            Name = builtin,
            PromptTemplate = "### 質問：\n{{ .Prompt }}\n### 回答：\n",
        });
        foreach (var f in files) output.WriteLine($"{Path.GetFileName(f.Path)}: {f.Bytes} bytes");
        return (checkpoint, onnx, gguf);
    }

    private static List<int>[] MedtuneGreedy(string onnx, TextTokenizer tokenizer)
    {
        using var generator = new DecoderTextGenerator(new OnnxDecoderModel(onnx, "cpu"), tokenizer);
        return generator.Generate(Prompts, new DecodingOptions { MaxNewTokens = NewTokens, BatchSize = 1 })
            .Select(g => g.TokenIds.ToList()).ToArray();
    }

    /// <summary>A GGUF file loaded by llama.cpp, decoded one greedy token at a time through its KV cache.</summary>
    private sealed class LlamaCppModel : IDisposable
    {
        private readonly LLamaWeights _weights;
        private readonly LLamaContext _context;

        public LlamaCppModel(string path)
        {
            var parameters = new ModelParams(path) { ContextSize = 256, GpuLayerCount = 0, Threads = 1, BatchThreads = 1 };
            _weights = LLamaWeights.LoadFromFile(parameters);
            _context = _weights.CreateContext(parameters);
        }

        public int VocabSize => _weights.Vocab.Count;

        public IReadOnlyDictionary<string, string> Metadata => _weights.Metadata;

        public List<int> Tokenize(string text) => _context.Tokenize(text, addBos: true, special: false).Select(t => (int)t).ToList();

        public List<int> Greedy(IReadOnlyList<int> prompt, int newTokens, IReadOnlyList<int> eos)
        {
            _context.NativeHandle.MemoryClear();
            var batch = new LLamaBatch();
            batch.AddRange(prompt.Select(t => (LLamaToken)t).ToArray(), 0, LLamaSeqId.Zero, true);
            var generated = new List<int>();
            var position = prompt.Count;
            for (var step = 0; step < newTokens; step++)
            {
                var result = _context.NativeHandle.Decode(batch);
                if (result != DecodeResult.Ok) throw new InvalidOperationException($"llama_decode failed: {result}");
                var logits = _context.NativeHandle.GetLogitsIth(batch.TokenCount - 1);
                var best = 0;
                for (var v = 1; v < VocabSize; v++) if (logits[v] > logits[best]) best = v;
                if (eos.Contains(best)) break;
                generated.Add(best);
                batch.Clear();
                batch.Add((LLamaToken)best, position++, LLamaSeqId.Zero, true);
            }
            return generated;
        }

        public void Dispose()
        {
            _context.Dispose();
            _weights.Dispose();
        }
    }
}
