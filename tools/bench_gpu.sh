#!/usr/bin/env bash
# usp_bench's paper suite on a lent H100/H200 (see BENCHMARKS.md, "Producing the GPU figures").
#
# The device machines have torch and timm but neither diffusers nor fastcore, and no network: those travel
# as wheels in wheels/ (git-ignored; download them on the workstation as BENCHMARKS.md says and name
# `wheels` in the device call's `carry`). usp_nb is used from this checkout through PYTHONPATH, not installed.
#
# Usage, from the repository root on the device machine:
#   TAG=dit-xl tools/bench_gpu.sh --workloads dit_train --sizes xl --compile
#   TAG=all    tools/bench_gpu.sh                       # the whole suite (may not fit one 10-minute call)
# Everything after the script name goes to usp_bench. Results: $OUT/bench-$TAG.json and .log
# ($OUT defaults to runs/bench when the caller sets none).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-runs/bench}
TAG=${TAG:-paper}
mkdir -p "$OUT"

if ! python3 -c 'import diffusers, fastcore' 2>/dev/null; then
  if ! ls wheels/*.whl >/dev/null 2>&1; then
    echo "bench_gpu.sh: diffusers/fastcore are missing and there is no wheels/ folder; see BENCHMARKS.md" >&2; exit 2
  fi
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/usp_site wheels/*.whl
  export PYTHONPATH=/tmp/usp_site${PYTHONPATH:+:$PYTHONPATH}
fi
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}

# what the card looks like before the run (read only: never change clocks or modes)
nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.sm,clocks.max.sm,power.limit,temperature.gpu \
  --format=csv > "$OUT/nvidia-smi-$TAG.csv" 2>&1 || true
python3 -c 'import torch, timm, diffusers; print("torch", torch.__version__, "cuda", torch.version.cuda, "timm", timm.__version__,
  "diffusers", diffusers.__version__, "gpu", torch.cuda.get_device_name())' | tee "$OUT/versions-$TAG.txt"

python3 -m usp_nb.bench --device cuda --suite paper --out "$OUT/bench-$TAG.json" "$@" \
  2>&1 | tee "$OUT/bench-$TAG.log"
