#!/usr/bin/env bash
# The test command: set up .venv if needed, then run every notebook as a test (pytest, 2 workers).
# Extra arguments go to pytest, e.g. `bash tools/test.sh -k 05_mlm`.
set -euo pipefail
cd "$(dirname "$0")/.."
source tools/env.sh
# one BLAS/OpenMP thread per worker: oversubscribed OpenMP threads spin and slow everything down
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
python -m pytest tools/test_notebooks.py -n "${USP_TEST_WORKERS:-2}" -q --durations=0 "$@"
