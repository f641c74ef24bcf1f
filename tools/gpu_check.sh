#!/usr/bin/env bash
# The readiness check for the first GPU run (issue #22) on a lent H100/H200: bf16-vs-fp32 and compile-vs-eager loss
# parity, no recompilation, no host syncs per step, a 2-process DDP step when there are 2 GPUs, then usp_bench's
# DiT-XL/2 MFU and MLM cached-vs-online rows; all in $OUT/gpu_check.json ($OUT defaults to runs/gpu_check).
# Under 8 minutes on one H100/H200 (--budget, default 465 s, caps it: the bench gets what the checks leave).
#
# The device machines have torch, timm, torchvision and safetensors but neither diffusers nor fastcore, and no network:
# those travel as wheels in wheels/ (git-ignored; download them on the workstation as BENCHMARKS.md says and name
# `wheels` in the device call's `carry`), installed here to /tmp/usp_site as tools/bench_gpu.sh does. usp_nb is used
# from this checkout through PYTHONPATH, not installed.
#
# Usage, from the repository root:
#   bash tools/gpu_check.sh                  # on the device machine
#   bash tools/gpu_check.sh --device cpu     # a dry run with tiny models (a few minutes on a 2-core CPU)
# Other options: --budget SECONDS, --skip parity,host_syncs,ddp,bench, --out FILE. Exit code 1 when a check fails.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-runs/gpu_check}
export OUT
PYTHON=${PYTHON:-python3}
mkdir -p "$OUT"

if ! "$PYTHON" -c 'import diffusers, fastcore' 2>/dev/null; then
  if ! ls wheels/*.whl >/dev/null 2>&1; then
    echo "gpu_check.sh: diffusers/fastcore are missing and there is no wheels/ folder; see BENCHMARKS.md" >&2; exit 2
  fi
  "$PYTHON" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/usp_site wheels/*.whl
  export PYTHONPATH=/tmp/usp_site${PYTHONPATH:+:$PYTHONPATH}
fi
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}

if [[ " $* " != *" --device cpu "* ]]; then
  # what the card looks like before the run (read only: never change clocks or modes)
  nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.sm,clocks.max.sm,power.limit,temperature.gpu \
    --format=csv > "$OUT/nvidia-smi.csv" 2>&1 || true
fi
"$PYTHON" tools/gpu_check.py --out "$OUT/gpu_check.json" "$@" 2>&1 | tee "$OUT/gpu_check.log"
exit "${PIPESTATUS[0]}"
