#!/usr/bin/env bash
# The committed quickstart lock file must reproduce bit for bit on this machine, from a fresh clone at another
# path with an empty cache: run the quickstart there, then `git diff --exit-code` the lock file. A difference
# means something machine-specific (a path, the time, the host, the tool commit) reached a stage key or a
# hashed output, or training/evaluation is not deterministic here; the diff shows which stage.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo="$PWD"
dotnet build tool -v quiet --nologo >/dev/null        # no-op after CI's test build; the tool under test
tool="$repo/tool/bin/Debug/net10.0/medtune.dll"

clone=$(mktemp -d "${TMPDIR:-/tmp}/medtune-lock-XXXXXX"); trap 'rm -rf "$clone"' EXIT
git clone --quiet --no-hardlinks "$repo" "$clone/elsewhere"
cd "$clone/elsewhere"
git checkout --quiet "$(git -C "$repo" rev-parse HEAD)"
MEDTUNE_CACHE= dotnet "$tool" run experiments/quickstart.yaml --quiet --cache "$clone/cache"
if ! git diff --exit-code experiments/quickstart.lock.json; then
  echo "lock-reproduces: FAILED: the committed experiments/quickstart.lock.json does not reproduce on this machine (diff above)" >&2
  exit 1
fi
echo "lock-reproduces: experiments/quickstart.lock.json reproduced bit for bit from a fresh clone at $clone/elsewhere"
