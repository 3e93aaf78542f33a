#!/usr/bin/env python3
"""Independent NumPy reference of the Hugging Face forward passes medtune implements in TorchSharp.

Written from the published architectures (transformers' modeling_llama.py and modeling_gpt_neox.py semantics),
without torch or transformers, in float64 so that it is the more precise side of any comparison:

  * Llama: RMSNorm -> attention (rotary embeddings; grouped-query attention via num_key_value_heads;
    rope_scaling linear / llama3) -> residual -> RMSNorm -> SwiGLU MLP -> residual; tied or separate lm_head.
  * GPT-NeoX: LayerNorm; fused query_key_value laid out per head as [q, k, v]; rotary on the first
    rotary_pct of each head; parallel (x + attn(ln1 x) + mlp(ln2 x)) or sequential residual; gelu.

Usage: hf_reference.py FIXTURE_DIR
  reads  FIXTURE_DIR/config.json, FIXTURE_DIR/model.safetensors, FIXTURE_DIR/inputs.json
  writes FIXTURE_DIR/reference.json: logits of every case (left padding allowed) and greedy continuations.

inputs.json: {"cases": [{"name": str, "input_ids": [[int]], "attention_mask": [[0|1]]}],
              "greedy": [{"name": str, "prompt": [int], "steps": int}]}
Needs only NumPy (Debian: apt-get install -y python3-numpy).
"""
import json
import math
import struct
import sys
from pathlib import Path

import numpy as np


# ---------------------------------------------------------------- safetensors

def read_safetensors(path):
    """A safetensors file is an 8-byte little-endian header length, a JSON header, then raw tensor bytes."""
    data = Path(path).read_bytes()
    (header_length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + header_length])
    body = data[8 + header_length:]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        raw = body[begin:end]
        dtype = info["dtype"]
        if dtype == "F32":
            array = np.frombuffer(raw, dtype="<f4")
        elif dtype == "F16":
            array = np.frombuffer(raw, dtype="<f2")
        elif dtype == "BF16":
            array = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            raise ValueError(f"{path}: tensor {name} has dtype {dtype}; expected F32, F16 or BF16")
        tensors[name] = array.astype(np.float64).reshape(info["shape"])
    return tensors


# ---------------------------------------------------------------- shared pieces

def linear(x, weights, name, bias=True):
    y = x @ weights[name + ".weight"].T
    if bias and name + ".bias" in weights:
        y = y + weights[name + ".bias"]
    return y


def rotary_inverse_frequencies(dim, base, scaling):
    inv_freq = 1.0 / (base ** (np.arange(0, dim, 2, dtype=np.float64) / dim))
    if not scaling:
        return inv_freq
    kind = scaling.get("rope_type", scaling.get("type"))
    if kind == "default":
        return inv_freq
    factor = scaling["factor"]
    if kind == "linear":
        return inv_freq / factor
    if kind == "llama3":
        low = scaling.get("low_freq_factor", 1.0)
        high = scaling.get("high_freq_factor", 4.0)
        old_context = scaling.get("original_max_position_embeddings", 8192)
        low_wavelength = old_context / low
        high_wavelength = old_context / high
        wavelength = 2 * math.pi / inv_freq
        scaled = np.where(wavelength > low_wavelength, inv_freq / factor, inv_freq)
        smooth = (old_context / wavelength - low) / (high - low)
        smoothed = (1 - smooth) * scaled / factor + smooth * scaled
        medium = (wavelength >= high_wavelength) & (wavelength <= low_wavelength)
        return np.where(medium, smoothed, scaled)
    raise ValueError(f"rope_scaling type {kind} not implemented")


def rotary_cos_sin(position_ids, inv_freq):
    angles = position_ids[..., None].astype(np.float64) * inv_freq  # [b, s, dim/2]
    emb = np.concatenate([angles, angles], axis=-1)
    return np.cos(emb)[:, None], np.sin(emb)[:, None]  # [b, 1, s, dim]


def rotate_half(x):
    half = x.shape[-1] // 2
    return np.concatenate([-x[..., half:], x[..., :half]], axis=-1)


def apply_rotary(x, cos, sin, rotary_dim):
    rotated, passed = x[..., :rotary_dim], x[..., rotary_dim:]
    return np.concatenate([rotated * cos + rotate_half(rotated) * sin, passed], axis=-1)


def attention(q, k, v, attention_mask):
    """q [b, h, s, d]; k, v [b, kv, s, d]; causal + key padding mask; GQA repeats each kv head."""
    groups = q.shape[1] // k.shape[1]
    k = np.repeat(k, groups, axis=1)
    v = np.repeat(v, groups, axis=1)
    seq = q.shape[2]
    allowed = np.tril(np.ones((seq, seq), dtype=bool))[None] & (attention_mask[:, None, :] != 0)  # [b, s, s]
    allowed |= ~allowed.any(axis=-1, keepdims=True)  # padding queries: any finite value; never compared
    scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(q.shape[-1])
    scores = np.where(allowed[:, None], scores, -np.inf)
    scores = scores - scores.max(axis=-1, keepdims=True)
    probabilities = np.exp(scores)
    probabilities /= probabilities.sum(axis=-1, keepdims=True)
    return probabilities @ v


def merge_heads(x):
    b, h, s, d = x.shape
    return x.transpose(0, 2, 1, 3).reshape(b, s, h * d)


def split_heads(x, heads):
    b, s, _ = x.shape
    return x.reshape(b, s, heads, -1).transpose(0, 2, 1, 3)


# ---------------------------------------------------------------- Llama

def rms_norm(x, weight, eps):
    return weight * (x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps))


def silu(x):
    return x / (1.0 + np.exp(-x))


def llama_forward(config, w, input_ids, attention_mask, position_ids):
    heads = config["num_attention_heads"]
    kv_heads = config.get("num_key_value_heads", heads)
    head_dim = config.get("head_dim") or config["hidden_size"] // heads
    eps = config.get("rms_norm_eps", 1e-6)
    inv_freq = rotary_inverse_frequencies(head_dim, config.get("rope_theta", 10000.0), config.get("rope_scaling"))
    cos, sin = rotary_cos_sin(position_ids, inv_freq)
    h = w["model.embed_tokens.weight"][input_ids]
    for i in range(config["num_hidden_layers"]):
        p = f"model.layers.{i}."
        x = rms_norm(h, w[p + "input_layernorm.weight"], eps)
        q = split_heads(linear(x, w, p + "self_attn.q_proj"), heads)
        k = split_heads(linear(x, w, p + "self_attn.k_proj"), kv_heads)
        v = split_heads(linear(x, w, p + "self_attn.v_proj"), kv_heads)
        q = apply_rotary(q, cos, sin, head_dim)
        k = apply_rotary(k, cos, sin, head_dim)
        h = h + linear(merge_heads(attention(q, k, v, attention_mask)), w, p + "self_attn.o_proj")
        x = rms_norm(h, w[p + "post_attention_layernorm.weight"], eps)
        gated = silu(linear(x, w, p + "mlp.gate_proj")) * linear(x, w, p + "mlp.up_proj")
        h = h + linear(gated, w, p + "mlp.down_proj")
    h = rms_norm(h, w["model.norm.weight"], eps)
    head = w["model.embed_tokens.weight"] if config.get("tie_word_embeddings", False) else w["lm_head.weight"]
    return h @ head.T


# ---------------------------------------------------------------- GPT-NeoX

def layer_norm(x, weight, bias, eps):
    mean = x.mean(axis=-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + eps) * weight + bias


_erf = np.vectorize(math.erf)


def gelu(x, kind):
    if kind == "gelu":
        return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def neox_forward(config, w, input_ids, attention_mask, position_ids):
    heads = config["num_attention_heads"]
    head_dim = config["hidden_size"] // heads
    rotary_dim = int(head_dim * config.get("rotary_pct", 1.0))
    eps = config.get("layer_norm_eps", 1e-5)
    base = config.get("rotary_emb_base", config.get("rope_theta", 10000.0))
    cos, sin = rotary_cos_sin(position_ids, rotary_inverse_frequencies(rotary_dim, base, None))
    act = config.get("hidden_act", "gelu")
    h = w["gpt_neox.embed_in.weight"][input_ids]
    for i in range(config["num_hidden_layers"]):
        p = f"gpt_neox.layers.{i}."
        x = layer_norm(h, w[p + "input_layernorm.weight"], w[p + "input_layernorm.bias"], eps)
        qkv = linear(x, w, p + "attention.query_key_value")
        b, s, _ = qkv.shape
        qkv = qkv.reshape(b, s, heads, 3 * head_dim).transpose(0, 2, 1, 3)
        q, k, v = qkv[..., :head_dim], qkv[..., head_dim:2 * head_dim], qkv[..., 2 * head_dim:]
        q = apply_rotary(q, cos, sin, rotary_dim)
        k = apply_rotary(k, cos, sin, rotary_dim)
        attended = linear(merge_heads(attention(q, k, v, attention_mask)), w, p + "attention.dense")

        def mlp(y):
            return linear(gelu(linear(y, w, p + "mlp.dense_h_to_4h"), act), w, p + "mlp.dense_4h_to_h")

        if config.get("use_parallel_residual", True):
            h = h + attended + mlp(layer_norm(h, w[p + "post_attention_layernorm.weight"], w[p + "post_attention_layernorm.bias"], eps))
        else:
            h = h + attended
            h = h + mlp(layer_norm(h, w[p + "post_attention_layernorm.weight"], w[p + "post_attention_layernorm.bias"], eps))
    h = layer_norm(h, w["gpt_neox.final_layer_norm.weight"], w["gpt_neox.final_layer_norm.bias"], eps)
    head = w["gpt_neox.embed_in.weight"] if config.get("tie_word_embeddings", False) else w["embed_out.weight"]
    return h @ head.T


# ---------------------------------------------------------------- driver

def position_ids_from_mask(mask):
    """As transformers' generate() does for left padding: cumsum(mask) - 1, padding positions set to 1."""
    positions = np.cumsum(mask, axis=-1) - 1
    return np.where(mask == 0, 1, positions)


def forward(config, weights, input_ids, attention_mask):
    input_ids = np.asarray(input_ids, dtype=np.int64)
    attention_mask = np.asarray(attention_mask, dtype=np.int64)
    position_ids = position_ids_from_mask(attention_mask)
    model_type = config.get("model_type")
    if model_type in ("llama", "mistral"):
        return llama_forward(config, weights, input_ids, attention_mask, position_ids), position_ids
    if model_type == "gpt_neox":
        return neox_forward(config, weights, input_ids, attention_mask, position_ids), position_ids
    raise ValueError(f"model_type {model_type} not implemented")


def main(directory):
    directory = Path(directory)
    config = json.loads((directory / "config.json").read_text())
    weights = read_safetensors(directory / "model.safetensors")
    inputs = json.loads((directory / "inputs.json").read_text())
    result = {"generator": "eng/reference/hf_reference.py (NumPy float64)", "cases": [], "greedy": []}
    for case in inputs["cases"]:
        logits, positions = forward(config, weights, case["input_ids"], case["attention_mask"])
        result["cases"].append({
            "name": case["name"],
            "position_ids": positions.tolist(),
            "logits": [[[float(f"{v:.9g}") for v in row] for row in sequence] for sequence in logits],
        })
    for run in inputs["greedy"]:
        tokens = list(run["prompt"])
        generated, margins = [], []
        for _ in range(run["steps"]):
            logits, _ = forward(config, weights, [tokens], [[1] * len(tokens)])
            last = logits[0, -1]
            best = int(np.argmax(last))
            margins.append(float(last[best] - np.partition(last, -2)[-2]))
            generated.append(best)
            tokens.append(best)
        result["greedy"].append({"name": run["name"], "tokens": generated, "min_top2_margin": min(margins)})
    (directory / "reference.json").write_text(json.dumps(result, separators=(",", ":")) + "\n")
    print(f"{directory}: {len(result['cases'])} cases, greedy {[g['tokens'] for g in result['greedy']]}, "
          f"smallest top-2 margin {min(g['min_top2_margin'] for g in result['greedy']):.2e}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
