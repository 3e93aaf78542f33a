using System.Text.Json;
using System.Text.Json.Nodes;
using MedTune.Checkpoints.Tokenization;
using MedTune.Inference;

namespace MedTune.Export;

/// <summary>The prompts to measure int4's cost on, by name (records and reports show it), read when the export runs.</summary>
public sealed record Int4PromptSet(string Name, Func<IReadOnlyList<string>> Read);

/// <summary>
/// What int4 weight quantization costs, measured at export against the unquantized (fp32) export of the same checkpoint
/// on a prompt set (the evaluation's first prompts, <see cref="Int4PromptSet"/>, or <see cref="BuiltinPrompts"/>): the largest |logit difference| over every position, the share of positions where both models
/// pick the same greedy token (on the prompt followed by the reference's own greedy continuation), and the perplexity of
/// each model on the prompt tokens. Both models run on ONNX Runtime's CPU provider with one thread, so the figures are
/// the same on every run (the file is hashed with the export).
/// </summary>
public sealed record Int4Cost(
    string PromptSet,
    int Prompts,
    int Positions,
    double MaxLogitDifference,
    double GreedyAgreement,
    double ReferencePerplexity,
    double Int4Perplexity)
{
    public const string FileName = "int4_cost.json";
    public const int GreedyTokens = 8;

    public double PerplexityChange => Int4Perplexity - ReferencePerplexity;

    /// <summary>A fixed set of short Japanese medical prompts, used when no evaluation prompts are given.</summary>
    public static readonly IReadOnlyList<string> BuiltinPrompts =
    [
        "以下は医師国家試験の問題です。最も適切な選択肢を選んでください。\n問題: 急性心筋梗塞の初期治療で最も優先されるのはどれか。",
        "糖尿病性ケトアシドーシスでみられる所見はどれか。",
        "小児の発熱と発疹が続く場合に考えるべき疾患を挙げてください。",
        "高血圧の治療で第一選択となる薬剤の種類を説明してください。",
        "Explain the mechanism of action of beta blockers in heart failure.",
        "肺炎球菌ワクチンの対象となる患者はどれか。",
        "貧血の鑑別診断で最初に確認すべき検査値は何か。",
        "脳梗塞の超急性期に行う血栓溶解療法の適応時間はどれくらいか。",
    ];

    public static Int4Cost Measure(string referenceModelDirectory, string int4ModelDirectory, TextTokenizer tokenizer,
        IReadOnlyList<string> prompts, string promptSet)
    {
        using var reference = new OnnxDecoderModel(referenceModelDirectory, "cpu", intraOpThreads: 1);
        using var quantized = new OnnxDecoderModel(int4ModelDirectory, "cpu", intraOpThreads: 1);
        double maxDifference = 0, referenceNll = 0, int4Nll = 0;
        int positions = 0, agreeing = 0, scored = 0;
        var vocab = reference.VocabSize;
        foreach (var prompt in prompts)
        {
            var ids = tokenizer.Encode(prompt).Select(i => (long)i).ToList();
            if (ids.Count < 2) continue;
            var promptLength = ids.Count;
            ids.AddRange(GreedyContinuation(reference, ids, GreedyTokens));
            var expected = AllLogits(reference, ids);
            var actual = AllLogits(quantized, ids);
            for (var position = 0; position < ids.Count; position++)
            {
                var e = expected.AsSpan(position * vocab, vocab);
                var a = actual.AsSpan(position * vocab, vocab);
                for (var v = 0; v < vocab; v++) maxDifference = Math.Max(maxDifference, Math.Abs(e[v] - a[v]));
                positions++;
                if (ArgMax(e) == ArgMax(a)) agreeing++;
                if (position + 1 < promptLength)
                {
                    referenceNll -= DecoderTextGenerator.LogSoftmaxAt(e, (int)ids[position + 1]);
                    int4Nll -= DecoderTextGenerator.LogSoftmaxAt(a, (int)ids[position + 1]);
                    scored++;
                }
            }
        }
        if (positions == 0) throw new InvalidOperationException("no prompt of the int4 measurement set has two tokens or more.");
        return new Int4Cost(promptSet, prompts.Count, positions, maxDifference, (double)agreeing / positions,
            Math.Exp(referenceNll / scored), Math.Exp(int4Nll / scored));
    }

    public JsonObject ToJson() => new()
    {
        ["reference"] = "fp32",
        ["prompt_set"] = PromptSet,
        ["prompts"] = Prompts,
        ["positions"] = Positions,
        ["max_logit_difference"] = MaxLogitDifference,
        ["greedy_agreement"] = GreedyAgreement,
        ["reference_perplexity"] = ReferencePerplexity,
        ["int4_perplexity"] = Int4Perplexity,
        ["perplexity_change"] = PerplexityChange,
    };

    public void Write(string directory) =>
        OnnxModelWriter.WriteAtomically(Path.Combine(directory, FileName), stream =>
        {
            using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            ToJson().WriteTo(writer);
        });

    public static Int4Cost? TryRead(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) return null;
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        return new Int4Cost(json["prompt_set"]!.GetValue<string>(), json["prompts"]!.GetValue<int>(), json["positions"]!.GetValue<int>(),
            json["max_logit_difference"]!.GetValue<double>(), json["greedy_agreement"]!.GetValue<double>(),
            json["reference_perplexity"]!.GetValue<double>(), json["int4_perplexity"]!.GetValue<double>());
    }

    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"int4 vs fp32 on {Prompts} {PromptSet} prompts: largest logit difference {MaxLogitDifference:0.####}, " +
        $"greedy-token agreement {100 * GreedyAgreement:0.0}%, perplexity {ReferencePerplexity:0.###} → {Int4Perplexity:0.###}");

    private static float[] AllLogits(OnnxDecoderModel model, IReadOnlyList<long> ids)
    {
        using var session = model.StartSession(1);
        var tokens = ids.ToArray();
        var mask = Enumerable.Repeat(1L, tokens.Length).ToArray();
        var positions = Enumerable.Range(0, tokens.Length).Select(i => (long)i).ToArray();
        return session.Forward(tokens, mask, positions, tokens.Length, allPositions: true);
    }

    private static IEnumerable<long> GreedyContinuation(OnnxDecoderModel model, IReadOnlyList<long> prompt, int count)
    {
        using var session = model.StartSession(1);
        var tokens = prompt.ToArray();
        var logits = session.Forward(tokens, Enumerable.Repeat(1L, tokens.Length).ToArray(),
            Enumerable.Range(0, tokens.Length).Select(i => (long)i).ToArray(), tokens.Length, allPositions: false);
        var generated = new List<long>();
        for (var i = 0; i < count; i++)
        {
            var next = ArgMax(logits);
            generated.Add(next);
            if (i + 1 == count) break;
            var total = session.PastLength + 1;
            logits = session.Forward([next], Enumerable.Repeat(1L, total).ToArray(), [total - 1L], 1, allPositions: false);
        }
        return generated;
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }
}
