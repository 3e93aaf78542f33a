#!/usr/bin/env bash
# Installs what the Slurm executor's end-to-end tests need: Debian's slurm-wlm (slurmctld, slurmd and the client
# tools) and munge. Needs root and apt; CI runs it before the end-to-end tests.
set -euo pipefail
if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v sbatch >/dev/null && command -v munged >/dev/null; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
