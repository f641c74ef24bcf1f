#!/usr/bin/env bash
# Start a private one-machine SLURM cluster for tests: munged + slurmctld + slurmd on this host.
#
# Installs Debian's slurm-wlm and munge when missing (needs root and apt), writes a slurm.conf for
# this machine under $USP_SLURM_DIR (default /tmp/usp_slurm), starts the daemons on private ports
# and a private munge socket, and waits until `sinfo` shows the node idle. Idempotent: when the
# cluster from an earlier call still answers it does nothing; a half-dead one is stopped and
# started again. Clients find it through SLURM_CONF:
#     source <(bash tools/slurm/start.sh --env)      # or: export SLURM_CONF=$USP_SLURM_DIR/slurm.conf
# Stop it with tools/slurm/stop.sh.
set -euo pipefail
D="${USP_SLURM_DIR:-/tmp/usp_slurm}"
CTLD_PORT="${USP_SLURM_CTLD_PORT:-16817}"
SLURMD_PORT="${USP_SLURM_SLURMD_PORT:-16818}"
WAIT_S="${USP_SLURM_WAIT_S:-60}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CONF="$D/slurm.conf"
say() { [[ "${1:-}" == "" ]] || echo "[usp_slurm] $*" >&2; }
die() { echo "[usp_slurm] ERROR: $*" >&2; exit 1; }
print_env=0; [[ "${1:-}" == "--env" ]] && print_env=1

node_idle() {  # true when the controller answers and our node can take jobs
  local st; st="$(SLURM_CONF="$CONF" timeout 10 sinfo -h -N -o '%t' 2>/dev/null | head -1)" || return 1
  [[ "$st" == idle* || "$st" == mix* || "$st" == alloc* ]]
}
alive() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

finish() {
  if (( print_env )); then echo "export SLURM_CONF=$CONF"; else say "ready: export SLURM_CONF=$CONF"; fi
  exit 0
}

# 1. Already running? Then nothing to do.
if [[ -f "$CONF" ]] && alive "$D/munged.pid" && alive "$D/slurmctld.pid" && alive "$D/slurmd.pid" && node_idle; then
  say "already running in $D"; finish
fi
[[ -d "$D" ]] && { say "found a stale or partial cluster in $D; restarting it"; USP_SLURM_DIR="$D" bash "$HERE/stop.sh" >&2; }

# 2. Packages.
[[ "$(id -u)" == 0 ]] || die "starting the test SLURM cluster needs root (slurmd runs jobs as root here); run as root or skip the #| slurm cells (USP_TEST_FLAGS without 'slurm')"
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null || ! command -v sbatch >/dev/null; then
  command -v apt-get >/dev/null || die "slurm-wlm and munge are not installed and there is no apt-get; install SLURM (slurmctld, slurmd, sbatch) and munge by hand"
  say "installing slurm-wlm and munge with apt-get (once)"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get -o Acquire::Retries=5 update -q && apt-get -o Acquire::Retries=5 install -y -q --no-install-recommends slurm-wlm munge; } >"/tmp/usp_slurm_apt.log" 2>&1 \
    || die "apt-get install slurm-wlm munge failed (is the Debian mirror reachable?); see /tmp/usp_slurm_apt.log"
fi

# 3. Private folders, munge key, slurm.conf.
mkdir -p "$D"/{state,spool,log,munge}; chmod 700 "$D" "$D/munge"
if [[ ! -s "$D/munge/munge.key" ]]; then
  (umask 077; head -c 1024 /dev/urandom > "$D/munge/munge.key")
fi
chmod 400 "$D/munge/munge.key"
HOST="$(hostname -s)"
CPUS="$(getconf _NPROCESSORS_ONLN)"   # not nproc: it honours OMP_NUM_THREADS, which the test command sets to 1
MEM_MB="$(free -m | awk '/^Mem:/{print int($2*0.9)}')"
cat > "$CONF" <<EOF
# Written by tools/slurm/start.sh: a private one-node test cluster on $HOST.
ClusterName=usptest
SlurmctldHost=$HOST(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
AuthType=auth/munge
CredType=cred/munge
# cred_expire also sets how long a requeued job waits before it may start again (default 120 s)
AuthInfo=socket=$D/munge/munge.socket,cred_expire=10
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool
SlurmctldPidFile=$D/slurmctld.pid
SlurmdPidFile=$D/slurmd.pid
SlurmctldLogFile=$D/log/slurmctld.log
SlurmdLogFile=$D/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
JobRequeue=1
MaxArraySize=1001
# short timers, so tests do not wait on the scheduler
SchedulerParameters=sched_interval=2,bf_interval=2
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
MinJobAge=3600
MessageTimeout=10
Waittime=0
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM_MB State=UNKNOWN
PartitionName=debug Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF

# 4. Daemons.
say "starting munged, slurmctld, slurmd ($HOST, $CPUS CPUs, ${MEM_MB} MB; state in $D)"
munged --force --socket="$D/munge/munge.socket" --key-file="$D/munge/munge.key" --pid-file="$D/munged.pid" \
  --log-file="$D/log/munged.log" --seed-file="$D/munge/munged.seed" \
  || die "munged did not start; see $D/log/munged.log"
export SLURM_CONF="$CONF"
slurmctld -i -f "$CONF" || die "slurmctld did not start; see $D/log/slurmctld.log"
slurmd -f "$CONF" -N "$HOST" || die "slurmd did not start; see $D/log/slurmd.log"

# 5. Wait for the node.
for _ in $(seq "$WAIT_S"); do
  if node_idle; then
    SLURM_CONF="$CONF" scontrol update NodeName="$HOST" State=RESUME >/dev/null 2>&1 || true
    finish
  fi
  sleep 1
done
echo "--- sinfo:" >&2; SLURM_CONF="$CONF" sinfo -N -l >&2 || true
echo "--- slurmctld.log:" >&2; tail -20 "$D/log/slurmctld.log" >&2 || true
echo "--- slurmd.log:" >&2; tail -20 "$D/log/slurmd.log" >&2 || true
die "the node did not become idle within ${WAIT_S}s (logs above, in $D/log)"
