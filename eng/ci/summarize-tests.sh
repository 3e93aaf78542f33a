#!/usr/bin/env bash
# Sums dotnet test's per-assembly lines ("Passed!  - Failed: 0, Passed: 12, Skipped: 0, Total: 12 …")
# into one plain closing line: "tests: N passed, N failed, N skipped".
set -euo pipefail
awk '
  /(Passed|Failed)! +- +Failed: / {
    for (i = 1; i <= NF; i++) {
      if ($i == "Failed:")  { gsub(",", "", $(i+1)); f += $(i+1) }
      if ($i == "Passed:")  { gsub(",", "", $(i+1)); p += $(i+1) }
      if ($i == "Skipped:") { gsub(",", "", $(i+1)); s += $(i+1) }
    }
  }
  END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s; if (p == 0 || f > 0) exit 1 }
' "$@"
