#!/usr/bin/env bash
# Parallel local execution: each manifest with --jobs 1 and then --jobs 2, each into its own empty scratch cache,
# and the figures side by side: wall time, CPU time, peak RSS, the machine's load average, and how many distinct
# stages were built (each exactly once). Default manifests: experiments/quickstart-matrix.yaml (two variants sharing
# one training) and eng/bench/jobs/rank-sweep.yaml (two variants, two trainings).
#   eng/bench/jobs/run.sh [MANIFEST…]
set -euo pipefail
cd "$(dirname "$0")/../../.."
dotnet build tool -c Release -v quiet -nologo >/dev/null
medtune=(dotnet tool/bin/Release/net10.0/medtune.dll)
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
# The default manifests run from a scratch copy, so their lock files do not land in the repository.
manifests=("$@")
if [ ${#manifests[@]} -eq 0 ]; then
  mkdir -p "$scratch/tree/eng/bench/jobs"
  cp -r experiments "$scratch/tree/"; cp eng/bench/jobs/rank-sweep.yaml "$scratch/tree/eng/bench/jobs/"
  manifests=("$scratch/tree/experiments/quickstart-matrix.yaml" "$scratch/tree/eng/bench/jobs/rank-sweep.yaml")
fi

for manifest in "${manifests[@]}"; do
echo "== ${manifest#"$scratch/tree/"} ($(nproc) cores)"
printf '%-8s %10s %10s %12s %8s %s\n' jobs wall_s cpu_s peak_rss_mb built "load average (1/5/15 min) before"
for jobs in 1 2; do
  load="$(cut -d' ' -f1-3 /proc/loadavg)"
  /usr/bin/time -f '%e %U %S %M' -o "$scratch/time-$jobs" \
    "${medtune[@]}" run "$manifest" --cache "$scratch/cache-$jobs-$(basename "$manifest")" --jobs "$jobs" --json > "$scratch/run-$jobs.json"
  read -r wall user system rss < "$scratch/time-$jobs"
  built="$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len({s["key"] for v in d["variants"] for s in v["stages"] if s["status"]=="ran"}))' "$scratch/run-$jobs.json")"
  printf '%-8s %10s %10.1f %12d %8s %s\n' "--jobs $jobs" "$wall" "$(awk -v u="$user" -v s="$system" "BEGIN{print u+s}")" "$((rss / 1024))" "$built" "$load"
done
# The two runs must agree bit for bit: same stage keys and output hashes.
python3 - "$scratch/run-1.json" "$scratch/run-2.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
pairs = lambda d: sorted((v["experiment"], s["name"], s["key"], s["output_hash"]) for v in d["variants"] for s in v["stages"])
print("outputs identical across --jobs 1 and --jobs 2:", pairs(a) == pairs(b))
PY
done
