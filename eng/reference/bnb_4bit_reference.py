#!/usr/bin/python3
"""Independent NumPy implementation of bitsandbytes' block-wise 4-bit quantization (NF4, FP4, double quantization).

Written from bitsandbytes' published algorithm (functional.py quantize_4bit / quantize_blockwise /
create_dynamic_map, csrc/kernels.cu kQuantizeBlockwise, dQuantizeNF4, dQuantizeFP4, dQuantize<0>,
kDequantizeBlockwise), all arithmetic in float32 as the CUDA kernels do it:

  absmax  = max |x| over a block of `blocksize` consecutive elements (row-major, flattened)
  scaled  = x * (1.0f / absmax)                     # a reciprocal, then a float32 multiply
  code    = decision tree over the code book's midpoints with strict '>' (a tie goes to the lower code)
  packing = two codes per byte, the FIRST element in the HIGH nibble
  double quantization: offset = mean(absmax); (absmax - offset) quantized with the signed dynamic 8-bit map
           (create_dynamic_map) in blocks of 256 by the same binary search + midpoint rule (dQuantize<0>)
  dequantize: code_book[code] * absmax in float32 (nested: code8[q] * absmax2, then + offset), then cast
           (round to nearest even) to the output dtype.

Usage: bnb_4bit_reference.py OUT.safetensors   (writes the golden fixture the C# tests read)
"""
import json
import struct
import sys
from fractions import Fraction

import numpy as np

F32 = np.float32


def f32_literal(text):
    """A C float literal ('0.1f'): the decimal rounded once, to nearest (even on a tie), straight to float32.
    (np.float32(float(text)) rounds twice, via float64, and differs for some of the pivots below.)"""
    exact = Fraction(text)
    near = F32(float(exact))
    candidates = [near, np.nextafter(near, F32(np.inf)), np.nextafter(near, F32(-np.inf))]
    return min(candidates, key=lambda v: (abs(Fraction(float(v)) - exact), int(np.array(v, F32).view(np.uint32)) & 1))


def f32_table(texts):
    return np.array([f32_literal(t) for t in texts.split()], dtype=F32)

# The kernels' look-up tables and pivots are float literals, so each is the decimal rounded once to float32.
NF4 = f32_table("""-1.0 -0.6961928009986877 -0.5250730514526367 -0.39491748809814453 -0.28444138169288635
                   -0.18477343022823334 -0.09105003625154495 0.0 0.07958029955625534 0.16093020141124725
                   0.24611230194568634 0.33791524171829224 0.44070982933044434 0.5626170039176941
                   0.7229568362236023 1.0""")
# get_4bit_type('fp4'): [0, 0.0625, 8, 12, 4, 6, 2, 3] / 12 for codes 0..7, negated for 8..15 (sign bit 0b1000).
# The CUDA look-up table rounds these to the literals below; we use the table as written there.
FP4_MAGNITUDE = f32_table("0.0 0.005208333333 0.66666667 1.0 0.33333333 0.5 0.16666667 0.25")
FP4 = np.concatenate([FP4_MAGNITUDE, -FP4_MAGNITUDE]).astype(F32)

# dQuantizeNF4's pivots in sorted order: code = number of pivots strictly below x (a NaN lands on code 0, as the tree).
NF4_PIVOTS = f32_table("""-0.8480964004993439 -0.6106329262256622 -0.4599952697753906 -0.33967943489551544
                          -0.23460740596055984 -0.13791173323988914 -0.045525018125772476 0.03979014977812767
                          0.1202552504837513 0.2035212516784668 0.2920137718319893 0.3893125355243683
                          0.5016634166240692 0.6427869200706482 0.8614784181118011""")
# dQuantizeFP4 on |x|: pivots in sorted order and the code each rank maps to; sign bit from x < 0.
FP4_PIVOTS = f32_table("0.00260417 0.0859375 0.20833333 0.29166667 0.4166667 0.583333 0.8333333")
FP4_RANK_TO_CODE = np.array([0b000, 0b001, 0b110, 0b111, 0b100, 0b101, 0b010, 0b011], dtype=np.uint8)


def fma_f32(a, b, c):
    """float32 fused multiply-add: the product of two float32 values is exact in float64, one rounding after the sum
    (the float64 sum is rounded first, a double rounding that does not occur for the values used here)."""
    return F32(np.float64(a) * np.float64(b) + np.float64(c))


def torch_linspace_f32(start, end, steps):
    """torch.linspace(start, end, steps, dtype=float32) as torch's CPU kernel computes it: step = (end-start)/(steps-1),
    the first half start + step*i and the second half end - step*(steps-1-i), each a fused multiply-add (the kernel is
    built with FMA contraction). With FMA the resulting dynamic map equals torch's create_dynamic_map() in all 256
    entries; without it 42 entries are one float32 step off."""
    start, end = F32(start), F32(end)
    step = F32((end - start) / F32(steps - 1))
    out = np.empty(steps, dtype=F32)
    halfway = steps // 2
    for i in range(steps):
        out[i] = fma_f32(step, F32(i), start) if i < halfway else fma_f32(-step, F32(steps - i - 1), end)
    return out


def dynamic_map(max_exponent_bits=7, total_bits=8):
    """create_dynamic_map(signed=True): 256 sorted float32 values."""
    data = []
    non_sign_bits = total_bits - 1
    for i in range(max_exponent_bits):
        items = 2 ** (i + non_sign_bits - max_exponent_bits) + 1
        b = torch_linspace_f32(0.1, 1.0, items)
        means = ((b[:-1] + b[1:]) / F32(2.0)).astype(F32)
        scale = F32(10.0 ** (-(max_exponent_bits - 1) + i))
        data += list((scale * means).astype(F32))
        data += list((F32(-scale) * means).astype(F32))
    data += [F32(0.0), F32(1.0)]
    assert len(data) == 256
    return np.array(sorted(data), dtype=F32)


def block_absmax(x, blocksize):
    n = x.size
    blocks = (n + blocksize - 1) // blocksize
    padded = np.zeros(blocks * blocksize, dtype=F32)
    padded[:n] = np.abs(x)
    return padded.reshape(blocks, blocksize).max(axis=1).astype(F32)


def scaled_blocks(x, absmax, blocksize):
    """x * (1/absmax) per element, float32 (0 * inf = NaN for an all-zero block, as on the GPU)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        inverse = (F32(1.0) / absmax).astype(F32)
        return (x * np.repeat(inverse, blocksize)[: x.size]).astype(F32)


def quantize_nf4_codes(scaled):
    return np.array([np.count_nonzero(NF4_PIVOTS < v) for v in scaled], dtype=np.uint8)


def quantize_fp4_codes(scaled):
    codes = np.empty(scaled.size, dtype=np.uint8)
    for k, v in enumerate(scaled):
        sign = 0b1000 if v < 0 else 0
        rank = np.count_nonzero(FP4_PIVOTS < np.abs(v))
        codes[k] = FP4_RANK_TO_CODE[rank] + sign
    return codes


def quantize_dynamic_value(code, x):
    """dQuantize<0>: binary search from pivot 127 over the sorted map, then the midpoint rule."""
    pivot, upper_pivot, lower_pivot = 127, 255, 0
    lower, upper = F32(-1.0), F32(1.0)
    val = code[pivot]
    i = 64
    while i > 0:
        if x > val:
            lower_pivot, lower = pivot, val
            pivot += i
        else:
            upper_pivot, upper = pivot, val
            pivot -= i
        val = code[pivot]
        i >>= 1
    if upper_pivot == 255:
        upper = code[upper_pivot]
    if lower_pivot == 0:
        lower = code[lower_pivot]
    if x > val:
        midpoint = F32((upper + val) * F32(0.5))
        return upper_pivot if x > midpoint else pivot
    midpoint = F32((lower + val) * F32(0.5))
    return lower_pivot if x < midpoint else pivot


def pack(codes):
    if codes.size % 2:
        codes = np.concatenate([codes, np.zeros(1, dtype=np.uint8)])
    return ((codes[0::2] << 4) | codes[1::2]).astype(np.uint8)


def quantize_4bit(x, quant_type, blocksize, double_quant):
    x = x.astype(F32).ravel()
    absmax = block_absmax(x, blocksize)
    scaled = scaled_blocks(x, absmax, blocksize)
    codes = quantize_nf4_codes(scaled) if quant_type == "nf4" else quantize_fp4_codes(scaled)
    if x.size % 2:
        # The padded element of the last byte is 0 * (1/absmax), quantized like any other value.
        pad_code = quantize_nf4_codes(np.zeros(1, F32)) if quant_type == "nf4" else quantize_fp4_codes(np.zeros(1, F32))
        codes = np.concatenate([codes, pad_code])
    state = {"codes": pack(codes)}
    if not double_quant:
        state["absmax"] = absmax
        return state
    # offset = absmax.mean(): a float32 result; we take the exactly rounded mean (sum in float64).
    offset = F32(absmax.astype(np.float64).sum() / absmax.size)
    centred = (absmax - offset).astype(F32)
    absmax2 = block_absmax(centred, 256)
    scaled2 = scaled_blocks(centred, absmax2, 256)
    code8 = dynamic_map()
    state["qabsmax"] = np.array([quantize_dynamic_value(code8, v) for v in scaled2], dtype=np.uint8)
    state["absmax2"] = absmax2
    state["offset"] = np.array([offset], dtype=F32)
    return state


def dequantize_4bit(state, quant_type, blocksize, n):
    if "absmax" in state:
        absmax = state["absmax"]
    else:
        code8 = dynamic_map()
        absmax = (code8[state["qabsmax"]] * np.repeat(state["absmax2"], 256)[: state["qabsmax"].size]).astype(F32)
        absmax = (absmax + state["offset"][0]).astype(F32)
    packed = state["codes"]
    codes = np.empty(packed.size * 2, dtype=np.uint8)
    codes[0::2] = packed >> 4
    codes[1::2] = packed & 0x0F
    book = NF4 if quant_type == "nf4" else FP4
    return (book[codes[:n]] * np.repeat(absmax, blocksize)[:n]).astype(F32)


def to_bf16_bits(x):
    """float32 -> bfloat16 bits, round to nearest even (torch's and CUDA's conversion); no NaNs occur here."""
    bits = x.astype(F32).view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    return rounded.astype(np.uint16)


def from_bf16_bits(bits):
    return (bits.astype(np.uint32) << 16).view(F32)


def case_weights(rng, shape, scale, specials):
    x = (rng.standard_normal(int(np.prod(shape))) * scale).astype(F32)
    if specials:
        # Block 0: absmax exactly 1, then every pivot, the pivots one float32 step either side, and -0.0,
        # so ties and near-ties are decided exactly as the kernels' strict '>' does.
        pivots = np.concatenate([NF4_PIVOTS, FP4_PIVOTS, -FP4_PIVOTS])
        ties = np.concatenate([pivots, np.nextafter(pivots, F32(2)), np.nextafter(pivots, F32(-2))]).astype(F32)
        x[0] = F32(1.0)
        x[1:1 + 63] = ties[:63]
        x[64:64 + ties.size - 63] = ties[63:]
        x[64 + ties.size - 63] = F32(1.0)
        x[100] = F32(-0.0)
        # An all-zero block (absmax 0: the kernels compute 0 * inf = NaN and land on code 0).
        x[128:192] = F32(0.0)
    return x.reshape(shape)


CASES = [
    # name, quant type, blocksize, double quant, shape, scale, special values, input stored as bf16
    ("nf4_b64", "nf4", 64, False, (48, 80), 0.02, True, False),
    ("fp4_b64", "fp4", 64, False, (48, 80), 0.02, True, False),
    ("nf4_b64_dq", "nf4", 64, True, (80, 512), 0.02, True, False),
    ("fp4_b128_dq", "fp4", 128, True, (64, 544), 0.05, True, False),
    ("nf4_b32_odd", "nf4", 32, False, (7, 9), 1.0, False, False),
    ("nf4_b64_dq_bf16", "nf4", 64, True, (40, 256), 0.02, False, True),
]


def write_safetensors(path, tensors, metadata):
    header = {"__metadata__": metadata}
    offset = 0
    blobs = []
    for name, (dtype, shape, data) in tensors.items():
        raw = data.tobytes()
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        blobs.append(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)


def main(out_path):
    rng = np.random.default_rng(20260530)
    tensors = {
        "tables.nf4": ("F32", (16,), NF4),
        "tables.fp4": ("F32", (16,), FP4),
        "tables.nf4_pivots": ("F32", (15,), NF4_PIVOTS),
        "tables.fp4_pivots": ("F32", (7,), FP4_PIVOTS),
        "tables.dynamic": ("F32", (256,), dynamic_map()),
    }
    cases = {}
    for name, quant_type, blocksize, double_quant, shape, scale, specials, bf16 in CASES:
        x = case_weights(rng, shape, scale, specials)
        if bf16:
            bits = to_bf16_bits(x.ravel())
            x = from_bf16_bits(bits).reshape(shape)
            tensors[f"{name}.weight"] = ("BF16", shape, bits)
        else:
            tensors[f"{name}.weight"] = ("F32", shape, x)
        state = quantize_4bit(x, quant_type, blocksize, double_quant)
        for key, value in state.items():
            dtype = "U8" if value.dtype == np.uint8 else "F32"
            tensors[f"{name}.{key}"] = (dtype, value.shape, value)
        deq = dequantize_4bit(state, quant_type, blocksize, x.size)
        tensors[f"{name}.dequantized_f32"] = ("F32", shape, deq)
        tensors[f"{name}.dequantized_bf16"] = ("BF16", shape, to_bf16_bits(deq))
        tensors[f"{name}.dequantized_f16"] = ("F16", shape, deq.astype(np.float16))
        cases[name] = {"type": quant_type, "block_size": blocksize, "double_quant": double_quant, "shape": list(shape)}
    write_safetensors(out_path, tensors, {"cases": json.dumps(cases, sort_keys=True),
                                          "made_by": "eng/reference/bnb_4bit_reference.py"})


if __name__ == "__main__":
    main(sys.argv[1])
