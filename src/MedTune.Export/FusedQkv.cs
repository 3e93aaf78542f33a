namespace MedTune.Export;

/// <summary>GPT-NeoX's fused query_key_value layout, shared by the ONNX and GGUF exporters.</summary>
public static class FusedQkv
{
    /// <summary>
    /// HF lays the fused output out per head as [q_h | k_h | v_h]; regroup its rows (each <paramref name="rowLength"/>
    /// values; 1 for the bias) into [all q | all k | all v].
    /// </summary>
    public static float[] RegroupPerHead(float[] rows, int heads, int headDim, int rowLength)
    {
        var size = heads * headDim;
        var result = new float[rows.Length];
        for (var head = 0; head < heads; head++)
            for (var part = 0; part < 3; part++)
                for (var d = 0; d < headDim; d++)
                {
                    var source = (long)(head * 3 * headDim + part * headDim + d) * rowLength;
                    var target = (long)(part * size + head * headDim + d) * rowLength;
                    Array.Copy(rows, source, result, target, rowLength);
                }
        return result;
    }
}
