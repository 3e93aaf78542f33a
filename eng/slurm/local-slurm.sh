#!/usr/bin/env bash
# A one-node Slurm cluster on localhost for the Slurm executor's tests (no systemd, no cgroups):
#   eng/slurm/local-slurm.sh start DIR   writes DIR/slurm.conf, starts munged, slurmctld and slurmd with
#                                        their state, logs and sockets under DIR, waits until the node is idle
#   eng/slurm/local-slurm.sh stop DIR    stops the three daemons started for DIR
# Clients use the cluster with SLURM_CONF=DIR/slurm.conf. Needs Debian's slurm-wlm and munge
# (eng/slurm/install.sh) and root (slurmd runs jobs as their submitting user).
set -euo pipefail
command="${1:?usage: local-slurm.sh start|stop DIR}"
dir="$(mkdir -p "${2:?usage: local-slurm.sh start|stop DIR}" && cd "$2" && pwd)"

stop() {
  for daemon in slurmd slurmctld munged; do
    if [[ -f "$dir/$daemon.pid" ]]; then
      pid="$(cat "$dir/$daemon.pid")"
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
      rm -f "$dir/$daemon.pid"
    fi
  done
}

if [[ "$command" == stop ]]; then stop; exit 0; fi
[[ "$command" == start ]] || { echo "usage: local-slurm.sh start|stop DIR" >&2; exit 2; }
for tool in munged mungekey slurmctld slurmd sinfo; do
  command -v "$tool" >/dev/null || { echo "local-slurm.sh: $tool not found; install Debian's slurm-wlm and munge (eng/slurm/install.sh)" >&2; exit 3; }
done

node="$(hostname -s)"
cpus="$(nproc)"
# RealMemory in MB, a little under the machine's so slurmd's own check passes.
memory=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 * 9 / 10 ))
mkdir -p "$dir/state" "$dir/spool" "$dir/log" "$dir/munge"
chmod 700 "$dir/munge"
[[ -f "$dir/munge/munge.key" ]] || mungekey --create --keyfile="$dir/munge/munge.key" >/dev/null 2>&1 \
  || dd if=/dev/urandom of="$dir/munge/munge.key" bs=1 count=1024 status=none
chmod 400 "$dir/munge/munge.key"

cat > "$dir/slurm.conf" <<CONF
ClusterName=medtune-test
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
SlurmctldPort=${MEDTUNE_SLURMCTLD_PORT:-16817}
SlurmdPort=${MEDTUNE_SLURMD_PORT:-16818}
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=2048
ReturnToService=2
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MinJobAge=3600
SlurmdTimeout=60
InactiveLimit=0
KillWait=5
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF
echo > "$dir/cgroup.conf"

export SLURM_CONF="$dir/slurm.conf"
stop
munged --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" --pid-file="$dir/munged.pid" \
  --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munge.seed" --force
slurmctld -i -f "$dir/slurm.conf"
slurmd -f "$dir/slurm.conf"
for _ in $(seq 120); do
  state="$(sinfo -h -n "$node" -o %t 2>/dev/null || true)"
  [[ "$state" == idle ]] && { echo "slurm: node $node idle (SLURM_CONF=$dir/slurm.conf)"; exit 0; }
  sleep 0.5
done
echo "local-slurm.sh: node $node did not become idle (state '${state:-none}'); logs:" >&2
tail -n 20 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" "$dir/log/munged.log" >&2 || true
stop
exit 4
