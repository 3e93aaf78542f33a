#!/usr/bin/env bash
# Parallel local execution: each manifest with --jobs 1 and --jobs 2, alternating, REPS times each (default 3), each
# run into its own empty scratch cache, and the figures side by side: wall time, the training stages' share of it,
# CPU time, peak RSS, the machine's load average, and how many distinct stages were built (each exactly once). Then
# the median and the fastest run per --jobs value: on a shared machine single runs of the same work vary by ±25%, so
# only alternating repetitions compare. Default manifests: experiments/quickstart-matrix.yaml (a rank sweep: two
# variants, two trainings) and eng/bench/jobs/shared-training.yaml (0- and 1-shot: two variants, one training).
#   REPS=5 eng/bench/jobs/run.sh [MANIFEST…]
set -euo pipefail
cd "$(dirname "$0")/../../.."
reps="${REPS:-3}"
dotnet build tool -c Release -v quiet -nologo >/dev/null
medtune=(dotnet tool/bin/Release/net10.0/medtune.dll)
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
# The default manifests run from a scratch copy, so their lock files do not land in the repository.
manifests=("$@")
if [ ${#manifests[@]} -eq 0 ]; then
  mkdir -p "$scratch/tree/eng/bench/jobs"
  cp -r experiments "$scratch/tree/"; cp eng/bench/jobs/shared-training.yaml "$scratch/tree/eng/bench/jobs/"
  manifests=("$scratch/tree/experiments/quickstart-matrix.yaml" "$scratch/tree/eng/bench/jobs/shared-training.yaml")
fi

for manifest in "${manifests[@]}"; do
echo "== ${manifest#"$scratch/tree/"} ($(nproc) cores, $reps runs each, alternating)"
printf '%-8s %4s %8s %8s %8s %8s %9s %6s %s\n' jobs run wall_s train_s other_s cpu_s rss_mb built "load average before"
rows="$scratch/rows"; : > "$rows"
for rep in $(seq "$reps"); do
for jobs in 1 2; do
  cache="$scratch/cache-$jobs-$rep-$(basename "$manifest")"
  load="$(cut -d' ' -f1-3 /proc/loadavg)"
  /usr/bin/time -f '%e %U %S %M' -o "$scratch/time" \
    "${medtune[@]}" run "$manifest" --cache "$cache" --jobs "$jobs" --json > "$scratch/run-$jobs-$rep.json"
  read -r wall user system rss < "$scratch/time"
  # Distinct stages built, and the seconds during which at least one training ran (the union of their intervals:
  # with --jobs 2 two trainings overlap, and a sum would count that time twice).
  read -r built train < <(python3 - "$scratch/run-$jobs-$rep.json" "$cache" <<'PY'
import json, sys, glob
from datetime import datetime
d = json.load(open(sys.argv[1]))
built = len({s["key"] for v in d["variants"] for s in v["stages"] if s["status"] == "ran"})
spans = []
for path in glob.glob(sys.argv[2] + "/train/*/.medtune-record.json"):
    r = json.load(open(path))
    start = datetime.fromisoformat(r["started_at"]).timestamp()
    spans.append((start, start + r["duration_seconds"]))
train, end = 0.0, float("-inf")
for a, b in sorted(spans):
    train += max(0.0, b - max(a, end)); end = max(end, b)
print(built, round(train, 2))
PY
)
  other="$(awk -v w="$wall" -v t="$train" 'BEGIN{printf "%.2f", w-t}')"
  cpu="$(awk -v u="$user" -v s="$system" 'BEGIN{printf "%.1f", u+s}')"
  printf '%-8s %4s %8s %8s %8s %8s %9d %6s %s\n' "--jobs $jobs" "$rep" "$wall" "$train" "$other" "$cpu" "$((rss / 1024))" "$built" "$load"
  echo "$jobs $wall $train $other" >> "$rows"
  rm -rf "$cache"
done
done
python3 - "$rows" <<'PY'
import sys, statistics as st
rows = [l.split() for l in open(sys.argv[1])]
for jobs in ("1", "2"):
    mine = [[float(x) for x in r[1:]] for r in rows if r[0] == jobs]
    walls, others = [m[0] for m in mine], [m[2] for m in mine]
    print(f"--jobs {jobs}: wall median {st.median(walls):.2f} s, fastest {min(walls):.2f} s; outside training median {st.median(others):.2f} s")
PY
# Every run must agree bit for bit with the first --jobs 1 run: same stage keys and output hashes.
python3 - "$scratch"/run-*-*.json <<'PY'
import json, sys
pairs = lambda d: sorted((v["experiment"], s["name"], s["key"], s["output_hash"]) for v in d["variants"] for s in v["stages"])
runs = [pairs(json.load(open(p))) for p in sys.argv[1:]]
print(f"outputs identical across all {len(runs)} runs (--jobs 1 and --jobs 2):", all(r == runs[0] for r in runs))
PY
rm -f "$scratch"/run-*-*.json
done
