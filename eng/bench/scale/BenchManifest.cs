using System.Text.Json;
using MedTune.Checkpoints.Tokenization;

namespace MedTune.Bench.Scale;

/// <summary>
/// The experiment the benchmark runs: QLoRA (NF4 + double quant; <see cref="ComputeDtype"/> compute and storage of the rest), r 64 on
/// every projection, 2 steps at batch 1 × 512 tokens with checkpointing, int4 export (its cost against an fp32 reference
/// is not measured: that reference alone is 27 GB at 7B, more than this machine has), 8 greedy tokens.
/// </summary>
public static class BenchManifest
{
    /// <summary>
    /// The compute dtype of the 4-bit projections and the dtype of everything not quantized (embedding, norms, lm_head):
    /// bfloat16 where the CPU computes it natively (avx512_bf16 or AMX); float32 otherwise. On an AVX2-only CPU libtorch's
    /// bf16 matmuls fall back to a scalar loop: the first 7B QLoRA step with bf16 compute had not finished after 25
    /// minutes on the 2-core AVX2 machine, and with float32 compute but a bf16 lm_head, stack samples of a step found the
    /// head's backward matmul in that loop (<c>cpublas_gemm_impl</c> on bf16).
    /// </summary>
    public static string ComputeDtype { get; } = Models.CpuBFloat16.IsNative ? "bfloat16" : "float32";

    public static string Write(string directory, string checkpoint)
    {
        // Two examples longer than 512 tokens (truncated to exactly max_seq_length), short instruction and long response, from the builtin Japanese corpus.
        var corpus = string.Concat(BuiltinTokenizers.CorpusLines());
        while (corpus.Length < 6000) corpus += corpus;
        File.WriteAllLines(Path.Combine(directory, "train.jsonl"), Enumerable.Range(0, 2).Select(i =>
            JsonSerializer.Serialize(new { instruction = corpus[(i * 10)..(i * 10 + 40)], input = "", output = corpus[(i * 100 + 100)..(i * 100 + 5000)] })));
        File.WriteAllText(Path.Combine(directory, "exam.jsonl"), JsonSerializer.Serialize(new
        {
            problem_id = "bench-1", problem_text = "発熱と咳が続く患者で最も考えられる疾患はどれか。",
            choices = new[] { "肺炎", "胃潰瘍", "骨折", "白内障", "中耳炎" }, answer = new[] { "a" }, text_only = true,
        }) + "\n");
        var path = Path.Combine(directory, "bench.yaml");
        File.WriteAllText(path, $"""
            name: scale-bench
            seed: 1
            model:
              base: {checkpoint}
              dtype: {ComputeDtype}
              device: cpu
              quantization: {"{"}type: nf4, double_quant: true, block_size: 64, compute_dtype: {ComputeDtype}{"}"}
            lora: {"{"}r: 64, alpha: 16, dropout: 0.0, target_modules: [all-linear]{"}"}
            datasets:
              train: [{"{"}path: train.jsonl{"}"}]
              eval: [{"{"}path: exam.jsonl, format: exam{"}"}]
            train: {"{"}max_steps: 2, batch_size: 1, max_seq_length: 512, gradient_checkpointing: true, checkpoint_every: 0{"}"}
            export: {"{"}precision: int4, int4_cost: false{"}"}
            evaluate:
              models: [tuned]
              device: cpu
              batch_size: 1
              decoding: {"{"}strategy: greedy, max_new_tokens: 8{"}"}
              metrics: [accuracy]
              bootstrap_resamples: 100
            """);
        return path;
    }
}
