#!/usr/bin/env bash
# Builds every benchmark under eng/bench (they are not in Pipeline.sln and run on demand only), so that a change
# that breaks one is caught in CI rather than the next time someone measures.
set -euo pipefail
cd "$(dirname "$0")/../.."
status=0
for project in eng/bench/*/*.csproj; do
  echo "building $project"
  dotnet build "$project" -c Release --nologo -v quiet || status=1
  # Only compiling is checked: drop the output (each holds the native libraries, ~0.8 GB where the file system
  # cannot hard-link them from the NuGet cache) before the next one, so CI's disk is not the limit.
  rm -rf "$(dirname "$project")/bin"
done
exit $status
