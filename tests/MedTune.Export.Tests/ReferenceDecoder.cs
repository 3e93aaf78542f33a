using MedTune.Checkpoints;

namespace MedTune.Export.Tests;

/// <summary>
/// A deliberately naive float32 forward pass of Llama / GPT-NeoX, written from the transformers modelling
/// code, for one unpadded sequence without a cache. It is the independent reference the ONNX graphs are
/// checked against.
/// </summary>
public sealed class ReferenceDecoder
{
    private readonly ModelConfig _config;
    private readonly Dictionary<string, float[]> _weights = new();

    public ReferenceDecoder(string checkpointDirectory)
    {
        _config = ModelConfig.Load(Path.Combine(checkpointDirectory, "config.json"));
        using var weights = CheckpointWeights.Open(checkpointDirectory);
        foreach (var name in weights.Names) _weights[name] = weights.ReadFloat32(name);
    }

    /// <summary>Logits [position][vocab] for <paramref name="tokens"/> at positions 0..n-1.</summary>
    public float[][] Forward(IReadOnlyList<long> tokens)
    {
        var neox = _config.Family == ModelFamily.GptNeoX;
        var embedding = W(neox ? "gpt_neox.embed_in.weight" : "model.embed_tokens.weight");
        var x = tokens.Select(t => embedding.AsSpan((int)t * _config.HiddenSize, _config.HiddenSize).ToArray()).ToArray();
        for (var layer = 0; layer < _config.NumLayers; layer++)
            x = neox ? NeoXLayer(layer, x) : LlamaLayer(layer, x);
        var final = neox
            ? x.Select(v => LayerNorm(v, "gpt_neox.final_layer_norm")).ToArray()
            : x.Select(v => RmsNorm(v, "model.norm.weight")).ToArray();
        var headName = neox ? "embed_out.weight" : _weights.ContainsKey("lm_head.weight") ? "lm_head.weight" : "model.embed_tokens.weight";
        return final.Select(v => Linear(v, W(headName), null, _config.VocabSize)).ToArray();
    }

    private float[][] LlamaLayer(int layer, float[][] x)
    {
        var p = $"model.layers.{layer}";
        var normed = x.Select(v => RmsNorm(v, $"{p}.input_layernorm.weight")).ToArray();
        int qSize = _config.NumAttentionHeads * _config.HeadDim, kvSize = _config.NumKeyValueHeads * _config.HeadDim;
        var q = normed.Select(v => Linear(v, W($"{p}.self_attn.q_proj.weight"), B($"{p}.self_attn.q_proj.bias"), qSize)).ToArray();
        var k = normed.Select(v => Linear(v, W($"{p}.self_attn.k_proj.weight"), B($"{p}.self_attn.k_proj.bias"), kvSize)).ToArray();
        var v = normed.Select(v => Linear(v, W($"{p}.self_attn.v_proj.weight"), B($"{p}.self_attn.v_proj.bias"), kvSize)).ToArray();
        var context = Attention(q, k, v);
        var attended = context.Select(c => Linear(c, W($"{p}.self_attn.o_proj.weight"), B($"{p}.self_attn.o_proj.bias"), _config.HiddenSize)).ToArray();
        var h = Add(x, attended);
        var normed2 = h.Select(r => RmsNorm(r, $"{p}.post_attention_layernorm.weight")).ToArray();
        var mlp = normed2.Select(r =>
        {
            var gate = Linear(r, W($"{p}.mlp.gate_proj.weight"), null, _config.IntermediateSize);
            var up = Linear(r, W($"{p}.mlp.up_proj.weight"), null, _config.IntermediateSize);
            var product = gate.Select((g, i) => g / (1 + MathF.Exp(-g)) * up[i]).ToArray();
            return Linear(product, W($"{p}.mlp.down_proj.weight"), null, _config.HiddenSize);
        }).ToArray();
        return Add(h, mlp);
    }

    private float[][] NeoXLayer(int layer, float[][] x)
    {
        var p = $"gpt_neox.layers.{layer}";
        int heads = _config.NumAttentionHeads, d = _config.HeadDim;
        var normed = x.Select(v => LayerNorm(v, $"{p}.input_layernorm")).ToArray();
        var qkv = normed.Select(v => Linear(v, W($"{p}.attention.query_key_value.weight"), B($"{p}.attention.query_key_value.bias"), 3 * heads * d)).ToArray();
        // view(..., heads, 3 * head_dim) then split into q, k, v per head.
        float[] Part(float[] row, int part) =>
            Enumerable.Range(0, heads).SelectMany(h => row.AsSpan(h * 3 * d + part * d, d).ToArray()).ToArray();
        var context = Attention(qkv.Select(r => Part(r, 0)).ToArray(), qkv.Select(r => Part(r, 1)).ToArray(), qkv.Select(r => Part(r, 2)).ToArray());
        var attended = context.Select(c => Linear(c, W($"{p}.attention.dense.weight"), B($"{p}.attention.dense.bias"), _config.HiddenSize)).ToArray();
        float[] Mlp(float[] r)
        {
            var up = Linear(r, W($"{p}.mlp.dense_h_to_4h.weight"), B($"{p}.mlp.dense_h_to_4h.bias"), _config.IntermediateSize);
            var activated = up.Select(Gelu).ToArray();
            return Linear(activated, W($"{p}.mlp.dense_4h_to_h.weight"), B($"{p}.mlp.dense_4h_to_h.bias"), _config.HiddenSize);
        }
        if (_config.UseParallelResidual)
        {
            var mlp = x.Select(r => Mlp(LayerNorm(r, $"{p}.post_attention_layernorm"))).ToArray();
            return Add(Add(x, attended), mlp);
        }
        var h1 = Add(x, attended);
        return Add(h1, h1.Select(r => Mlp(LayerNorm(r, $"{p}.post_attention_layernorm"))).ToArray());
    }

    private float Gelu(float x) => _config.HiddenAct == "gelu"
        ? (float)(0.5 * x * (1 + Erf(x / Math.Sqrt(2))))
        : (float)(0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))));

    /// <summary>erf from the Chebyshev-fitted erfc approximation (fractional error below 1.2e-7), enough for 1e-4 parity.</summary>
    private static double Erf(double x)
    {
        var t = 1.0 / (1.0 + 0.5 * Math.Abs(x));
        var y = 1 - t * Math.Exp(-x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
            t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? y : -y;
    }

    /// <summary>Causal multi-head attention with rotary on the first rotary_dim dims; kv head = head / (H / KV).</summary>
    private float[][] Attention(float[][] q, float[][] k, float[][] v)
    {
        int heads = _config.NumAttentionHeads, kvHeads = _config.NumKeyValueHeads, d = _config.HeadDim, n = q.Length;
        var inverse = InverseFrequencies();
        for (var position = 0; position < n; position++)
        {
            for (var h = 0; h < heads; h++) Rotate(q[position], h * d, position, inverse);
            for (var h = 0; h < kvHeads; h++) Rotate(k[position], h * d, position, inverse);
        }
        var output = new float[n][];
        for (var i = 0; i < n; i++)
        {
            output[i] = new float[heads * d];
            for (var h = 0; h < heads; h++)
            {
                var kvHead = h / (heads / kvHeads);
                var scores = new double[i + 1];
                for (var j = 0; j <= i; j++)
                {
                    double dot = 0;
                    for (var c = 0; c < d; c++) dot += q[i][h * d + c] * k[j][kvHead * d + c];
                    scores[j] = dot / Math.Sqrt(d);
                }
                var max = scores.Max();
                var weights = scores.Select(s => Math.Exp(s - max)).ToArray();
                var sum = weights.Sum();
                for (var c = 0; c < d; c++)
                {
                    double value = 0;
                    for (var j = 0; j <= i; j++) value += weights[j] / sum * v[j][kvHead * d + c];
                    output[i][h * d + c] = (float)value;
                }
            }
        }
        return output;
    }

    private void Rotate(float[] row, int offset, int position, float[] inverse)
    {
        var half = inverse.Length;
        for (var i = 0; i < half; i++)
        {
            var angle = (float)position * inverse[i];
            float cos = MathF.Cos(angle), sin = MathF.Sin(angle);
            float a = row[offset + i], b = row[offset + i + half];
            row[offset + i] = a * cos - b * sin;
            row[offset + i + half] = b * cos + a * sin;
        }
    }

    private float[] InverseFrequencies()
    {
        var dim = _config.RotaryDim;
        var inverse = Enumerable.Range(0, dim / 2).Select(i => (float)(1.0 / Math.Pow(_config.RopeTheta, 2.0 * i / dim))).ToArray();
        var scaling = _config.RopeScaling;
        if (scaling?.Type == "linear") return inverse.Select(f => (float)(f / scaling.Factor)).ToArray();
        if (scaling?.Type != "llama3") return inverse;
        var lowWavelength = scaling.OriginalMaxPositionEmbeddings / scaling.LowFrequencyFactor;
        var highWavelength = scaling.OriginalMaxPositionEmbeddings / scaling.HighFrequencyFactor;
        return inverse.Select(f =>
        {
            var wavelength = 2 * Math.PI / f;
            if (wavelength < highWavelength) return f;
            if (wavelength > lowWavelength) return (float)(f / scaling.Factor);
            var smooth = (scaling.OriginalMaxPositionEmbeddings / wavelength - scaling.LowFrequencyFactor) / (scaling.HighFrequencyFactor - scaling.LowFrequencyFactor);
            return (float)((1 - smooth) * f / scaling.Factor + smooth * f);
        }).ToArray();
    }

    private float[] RmsNorm(float[] x, string weight)
    {
        var w = W(weight);
        var meanSquare = x.Select(v => (double)v * v).Average();
        var scale = 1 / Math.Sqrt(meanSquare + _config.RmsNormEps);
        return x.Select((v, i) => (float)(v * scale) * w[i]).ToArray();
    }

    private float[] LayerNorm(float[] x, string prefix)
    {
        float[] w = W(prefix + ".weight"), b = W(prefix + ".bias");
        var mean = x.Average(v => (double)v);
        var variance = x.Average(v => (v - mean) * (v - mean));
        var scale = 1 / Math.Sqrt(variance + _config.LayerNormEps);
        return x.Select((v, i) => (float)((v - mean) * scale) * w[i] + b[i]).ToArray();
    }

    private static float[] Linear(float[] x, float[] weight, float[]? bias, int outFeatures)
    {
        var result = new float[outFeatures];
        for (var o = 0; o < outFeatures; o++)
        {
            double sum = bias?[o] ?? 0;
            for (var i = 0; i < x.Length; i++) sum += weight[o * x.Length + i] * x[i];
            result[o] = (float)sum;
        }
        return result;
    }

    private static float[][] Add(float[][] a, float[][] b) => a.Select((row, i) => row.Select((v, j) => v + b[i][j]).ToArray()).ToArray();

    private float[] W(string name) => _weights.TryGetValue(name, out var w) ? w : throw new KeyNotFoundException(name);
    private float[]? B(string name) => _weights.GetValueOrDefault(name);
}
