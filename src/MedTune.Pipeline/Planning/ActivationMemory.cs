using MedTune.Checkpoints;

namespace MedTune.Pipeline.Planning;

/// <summary>
/// Bytes autograd keeps per token while training LoRA on a frozen base, read off the model code in MedTune.Models
/// and MedTune.Training. The frozen projections save nothing (their weights need no gradient, so
/// <c>linear</c> keeps no input); what is kept is what the gradient of the LoRA weights needs on its way back:
/// <list type="bullet">
/// <item>each <c>LoraLayer</c> casts its input to float32 (a new tensor unless the compute dtype is float32, when
/// projections reading the same input share it) and saves it for <c>lora_A</c>, and saves the rank-r output of
/// <c>lora_A</c> for <c>lora_B</c>;</item>
/// <item><c>RmsNorm</c> computes in float32 and saves that copy of its input (for <c>pow</c> and the multiply);
/// <c>LayerNorm</c> saves its input;</item>
/// <item>attention saves its query, key and value (key and value after the grouped-query repeat, so at the query
/// width) and its output: a fused kernel (flash / memory-efficient, PyTorch's choice on CPU and CUDA for a
/// float mask) keeps no seq×seq matrix, only a log-sum-exp per head;</item>
/// <item>SwiGLU saves the gate output, its silu and the up output; GPT-NeoX's gelu saves its input.</item>
/// </list>
/// With gradient checkpointing each layer keeps only its input, and one layer's activations are rebuilt at a time.
/// On a 4-bit base each projection's weight is dequantized for its matmul, and again for the input gradient in the
/// backward pass (see <see cref="DequantizedWeights"/>).
/// </summary>
public static class ActivationMemory
{
    /// <summary>Bytes kept per token by one decoder layer without checkpointing.</summary>
    public static long PerTokenPerLayer(ModelShape model, WeightFormat weights, IReadOnlyList<string> loraTargets, int rank)
    {
        var c = model.Config;
        long h = c.HiddenSize, i = c.IntermediateSize, q = (long)c.NumAttentionHeads * c.HeadDim;
        var a = weights.ActivationBytes;
        var targets = model.LoraTargets(loraTargets).Select(l => l.Name).ToHashSet(StringComparer.Ordinal);

        // Saved float32 input of the LoRA branches that read one tensor of `width` features.
        long LoraInputs(long width, params string[] readers)
        {
            var n = readers.Count(targets.Contains);
            return n == 0 ? 0 : 4 * width * (a == 4 ? 1 : n);
        }

        var loraA = 4L * rank * targets.Count;
        var attention = a * 4 * q + 4L * c.NumAttentionHeads;
        if (c.Family == ModelFamily.Llama)
        {
            var norms = 2 * 4 * h;
            return norms + LoraInputs(h, "q_proj", "k_proj", "v_proj") + attention + LoraInputs(q, "o_proj")
                   + LoraInputs(h, "gate_proj", "up_proj") + 3 * a * i + LoraInputs(i, "down_proj") + loraA;
        }
        // GPT-NeoX: with the parallel residual both LayerNorms read (and save) the same layer input.
        var layerNorms = (c.UseParallelResidual ? 1 : 2) * a * h;
        return layerNorms + LoraInputs(h, "query_key_value") + attention + LoraInputs(h, "dense")
               + LoraInputs(h, "dense_h_to_4h") + a * i + LoraInputs(i, "dense_4h_to_h") + loraA;
    }

    /// <summary>
    /// Dense copies of 4-bit weights alive at the peak: <c>QuantizedLinear</c> dequantizes a projection's weight for its
    /// matmul and frees it afterwards, and its backward (<c>MatMul4Bit</c>) dequantizes it again instead of autograd
    /// keeping it — so one projection at a time, the largest, with or without checkpointing.
    /// </summary>
    public static long DequantizedWeights(ModelShape model, WeightFormat weights) =>
        weights.IsQuantized ? weights.ComputeBytes * model.LargestLayerLinear : 0;

    /// <summary>Bytes kept per token by one checkpointed layer: its input, in the compute dtype.</summary>
    public static long PerTokenPerCheckpointedLayer(ModelShape model, WeightFormat weights) => weights.ActivationBytes * model.Hidden;

    /// <summary>
    /// The output head and loss per token (<c>LoraTrainer.CausalLoss</c>): the logits in the compute dtype, their
    /// float32 copy and the saved log-softmax; in the backward pass two float32 gradients of the same size; and the
    /// final norm's saved input.
    /// </summary>
    public static long HeadPerToken(ModelShape model, WeightFormat weights)
    {
        var a = weights.ActivationBytes;
        var finalNorm = model.Config.Family == ModelFamily.Llama ? 4 * model.Hidden : a * model.Hidden;
        return finalNorm + model.Vocab * (a + 4 + 4 + 2 * 4);
    }

    /// <summary>Gradients alive while one layer's backward runs (MLP-wide: a float32 LoRA input gradient and two in the compute dtype).</summary>
    public static long BackwardWorkingSetPerToken(ModelShape model, WeightFormat weights) =>
        (4 + 2 * weights.ActivationBytes) * model.Config.IntermediateSize + 4 * 4 * model.Hidden;
}
