#!/usr/bin/env bash
# Sums dotnet test's per-assembly lines ("Passed!  - Failed: 0, Passed: 12, Skipped: 0, Total: 12 …") of the given
# logs into one plain closing line: "tests: N passed, N failed, N skipped". Exits 1 if a test failed, none passed,
# or any test was skipped: every test CI runs must run (a skipped check is a check CI did not make).
set -euo pipefail
awk '
  /(Passed|Failed)! +- +Failed: / {
    for (i = 1; i <= NF; i++) {
      if ($i == "Failed:")  { gsub(",", "", $(i+1)); f += $(i+1) }
      if ($i == "Passed:")  { gsub(",", "", $(i+1)); p += $(i+1) }
      if ($i == "Skipped:") { gsub(",", "", $(i+1)); s += $(i+1) }
    }
  }
  /\[SKIP\]/ { print "skipped: " $0 }
  END {
    printf "tests: %d passed, %d failed, %d skipped\n", p, f, s
    if (s > 0) print "error: skipped tests are not allowed in CI (a test whose tool or data is missing must fail)"
    if (p == 0 || f > 0 || s > 0) exit 1
  }
' "$@"
