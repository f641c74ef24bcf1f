#!/usr/bin/env bash
# Stop the private test SLURM cluster that tools/slurm/start.sh started and remove its state.
# Cancels its jobs, stops slurmd, slurmctld and munged (by their pid files only) and deletes
# $USP_SLURM_DIR (default /tmp/usp_slurm); `--keep` keeps the folder (logs) for a post-mortem.
# Safe to call when nothing runs.
set -uo pipefail
D="${USP_SLURM_DIR:-/tmp/usp_slurm}"
CONF="$D/slurm.conf"
keep=0; [[ "${1:-}" == "--keep" ]] && keep=1
[[ -d "$D" ]] || { echo "[usp_slurm] nothing to stop ($D does not exist)" >&2; exit 0; }

alive() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }
stop_pidfile() {  # SIGTERM, wait up to 10 s, then SIGKILL
  local f="$1" pid
  alive "$f" || return 0
  pid="$(cat "$f")"; kill "$pid" 2>/dev/null
  for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null; return 0
}

if [[ -f "$CONF" ]] && alive "$D/slurmctld.pid"; then
  jobs="$(SLURM_CONF="$CONF" timeout 10 squeue -h -o %A 2>/dev/null | sort -u | tr '\n' ' ')"
  if [[ -n "${jobs// /}" ]]; then
    echo "[usp_slurm] cancelling jobs: $jobs" >&2
    SLURM_CONF="$CONF" timeout 10 scancel $jobs 2>/dev/null
    for _ in $(seq 20); do
      [[ -z "$(SLURM_CONF="$CONF" timeout 10 squeue -h -t R,CG -o %A 2>/dev/null)" ]] && break; sleep 0.5
    done
  fi
fi
stop_pidfile "$D/slurmd.pid"
stop_pidfile "$D/slurmctld.pid"
stop_pidfile "$D/munged.pid"
if (( keep )); then echo "[usp_slurm] stopped; kept $D" >&2
else rm -rf "$D"; echo "[usp_slurm] stopped; removed $D" >&2; fi
