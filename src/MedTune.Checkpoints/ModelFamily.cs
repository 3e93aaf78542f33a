namespace MedTune.Checkpoints;

/// <summary>The decoder architectures medtune implements.</summary>
public enum ModelFamily
{
    /// <summary>Llama 2/3, Swallow, ELYZA, Mistral-style: RMSNorm, rotary, SwiGLU, optional GQA.</summary>
    Llama,
    /// <summary>GPT-NeoX (OpenCALM): LayerNorm, fused query_key_value, partial rotary, parallel residual.</summary>
    GptNeoX,
}
