"""The same LoRA training step as MedTune.Bench.Training, in PyTorch: Llama shape, LoRA r 8 on q/v, AdamW, fp32 CPU.

Usage: python3 peer_lora_bench.py WARMUP MEASURED THREADS
Written from the Llama architecture (RMSNorm, rotary, causal attention, SwiGLU); no transformers/peft needed.
"""
import math
import resource
import sys
import time

import torch
import torch.nn.functional as F

HIDDEN, LAYERS, HEADS, INTERMEDIATE, VOCAB = 768, 12, 12, 2048, 32000
RANK, ALPHA, BATCH, SEQ, LR = 8, 16, 4, 256, 1e-4


class LoraLinear(torch.nn.Module):
    def __init__(self, fan_in, fan_out, rank=None):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.randn(fan_out, fan_in) * 0.02, requires_grad=False)
        self.rank = rank
        if rank:
            self.lora_A = torch.nn.Parameter(torch.empty(rank, fan_in).uniform_(-1 / math.sqrt(fan_in), 1 / math.sqrt(fan_in)))
            self.lora_B = torch.nn.Parameter(torch.zeros(fan_out, rank))
            self.scale = ALPHA / rank

    def forward(self, x):
        y = F.linear(x, self.weight)
        if self.rank:
            y = y + F.linear(F.linear(x, self.lora_A), self.lora_B) * self.scale
        return y


class RMSNorm(torch.nn.Module):
    def __init__(self, dim, eps=1e-6):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.ones(dim), requires_grad=False)
        self.eps = eps

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


def rotary(seq, head_dim):
    inv = 1.0 / (10000 ** (torch.arange(0, head_dim, 2).float() / head_dim))
    freqs = torch.outer(torch.arange(seq).float(), inv)
    emb = torch.cat([freqs, freqs], dim=-1)
    return emb.cos(), emb.sin()


def rotate_half(x):
    a, b = x.chunk(2, dim=-1)
    return torch.cat([-b, a], dim=-1)


def causal_attention(q, k, v):
    # Written out (Debian's torch 1.13 has no scaled_dot_product_attention).
    t = q.shape[-2]
    scores = (q @ k.transpose(-2, -1)) / math.sqrt(q.shape[-1])
    mask = torch.ones(t, t, dtype=torch.bool).triu(1)
    return scores.masked_fill(mask, float("-inf")).softmax(-1) @ v


class Layer(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.input_layernorm = RMSNorm(HIDDEN)
        self.q_proj = LoraLinear(HIDDEN, HIDDEN, RANK)
        self.k_proj = LoraLinear(HIDDEN, HIDDEN)
        self.v_proj = LoraLinear(HIDDEN, HIDDEN, RANK)
        self.o_proj = LoraLinear(HIDDEN, HIDDEN)
        self.post_attention_layernorm = RMSNorm(HIDDEN)
        self.gate_proj = LoraLinear(HIDDEN, INTERMEDIATE)
        self.up_proj = LoraLinear(HIDDEN, INTERMEDIATE)
        self.down_proj = LoraLinear(INTERMEDIATE, HIDDEN)

    def forward(self, x, cos, sin):
        b, t, _ = x.shape
        h = self.input_layernorm(x)
        shape = (b, t, HEADS, HIDDEN // HEADS)
        q = self.q_proj(h).view(shape).transpose(1, 2)
        k = self.k_proj(h).view(shape).transpose(1, 2)
        v = self.v_proj(h).view(shape).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        a = causal_attention(q, k, v)
        x = x + self.o_proj(a.transpose(1, 2).reshape(b, t, HIDDEN))
        h = self.post_attention_layernorm(x)
        return x + self.down_proj(F.silu(self.gate_proj(h)) * self.up_proj(h))


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embed_tokens = torch.nn.Parameter(torch.randn(VOCAB, HIDDEN) * 0.02, requires_grad=False)
        self.layers = torch.nn.ModuleList(Layer() for _ in range(LAYERS))
        self.norm = RMSNorm(HIDDEN)
        self.lm_head = LoraLinear(HIDDEN, VOCAB)

    def forward(self, ids):
        x = F.embedding(ids, self.embed_tokens)
        cos, sin = rotary(ids.shape[1], HIDDEN // HEADS)
        for layer in self.layers:
            x = layer(x, cos, sin)
        return self.lm_head(self.norm(x))


def main():
    warmup, measured, threads = (int(a) for a in sys.argv[1:4])
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    model = Model()
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=LR, weight_decay=0.0)
    params = sum(p.numel() for p in model.parameters())
    times = []
    for _ in range(warmup + measured):
        start = time.perf_counter()
        ids = torch.randint(3, VOCAB, (BATCH, SEQ))
        logits = model(ids)
        loss = F.cross_entropy(logits[:, :-1].reshape(-1, VOCAB), ids[:, 1:].reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        optimizer.step()
        optimizer.zero_grad()
        loss.item()
        times.append(time.perf_counter() - start)
    s_per_step = sum(times[warmup:]) / measured
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"pytorch  params={params / 1e6:.1f}M threads={threads} steps={measured} s/step={s_per_step:.3f} "
          f"tokens/s={BATCH * SEQ / s_per_step:.1f} peak_rss_mb={peak_mb:.0f} torch={torch.__version__}")


if __name__ == "__main__":
    main()
