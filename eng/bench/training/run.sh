#!/usr/bin/env bash
# LoRA training benchmark: medtune (TorchSharp) beside the same computation in PyTorch on the same CPU.
# Usage: eng/bench/training/run.sh [WARMUP=1] [MEASURED=3] [THREADS=nproc]
# Shape: Llama hidden 768, 12 layers, 12 heads, intermediate 2048, vocab 32000 (~134M params), LoRA r 8 on q/v,
# batch 4 x 256 tokens, AdamW on CPU. medtune runs four times, side by side: fp32, bf16 base (float32 LoRA and
# optimizer state), NF4 QLoRA base (double quant, bf16 compute) and the same with float32 compute; the peer runs fp32. Prints s/step, tokens/s,
# peak RSS for each, the fp32 throughput ratio and the load average.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
warmup="${1:-1}"; measured="${2:-3}"; threads="${3:-$(nproc)}"
# Debian's python3-torch lives under /usr/lib/python3; a pyenv/venv python3 earlier on PATH would not see it.
python="${PYTHON:-/usr/bin/python3}"

if ! "$python" -c "import torch" 2>/dev/null; then
  echo "installing the PyTorch peer (Debian python3-torch)..." >&2
  if [ "$(id -u)" = 0 ]; then apt-get install -y --no-install-recommends python3-torch >/dev/null
  else sudo apt-get install -y --no-install-recommends python3-torch >/dev/null; fi
fi

dotnet build "$here/MedTune.Bench.Training.csproj" -c Release -v quiet -nologo >/dev/null
bench_dll="$(find "$here/bin/Release" -name MedTune.Bench.Training.dll | head -1)"

medtune_line="$(dotnet "$bench_dll" "$warmup" "$measured" "$threads" fp32)"
echo "$medtune_line"
dotnet "$bench_dll" "$warmup" "$measured" "$threads" bf16
dotnet "$bench_dll" "$warmup" "$measured" "$threads" nf4
dotnet "$bench_dll" "$warmup" "$measured" "$threads" nf4-fp32
peer_line="$("$python" "$here/peer_lora_bench.py" "$warmup" "$measured" "$threads")"
echo "$peer_line"
tps() { sed -E 's/.*tokens\/s=([0-9.]+).*/\1/' <<<"$1"; }
python3 -c "import sys; m, p = float(sys.argv[1]), float(sys.argv[2]); print(f'ratio medtune/pytorch tokens/s = {m / p:.2f}')" "$(tps "$medtune_line")" "$(tps "$peer_line")"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores (other processes share them)"
