#!/usr/bin/env bash
# The test command: set up .venv if needed, then run every notebook as a test (pytest, 2 workers), and build the docs
# and check every page in a browser (tools/test_docs.py, flag `browser`; it goes first, beside the notebooks), and the
# shell tools as a shell calls them (tools/test_tools.py: env.sh's checks, the runner's temp folders).
# Extra arguments go to pytest, e.g. `bash tools/test.sh -k 05_mlm`.
set -euo pipefail
cd "$(dirname "$0")/.."
source tools/env.sh
# Debian's chromium for the browser test (slurm-wlm and munge are installed by tools/slurm/start.sh when needed)
if [[ " ${USP_TEST_FLAGS-slow slurm browser} " == *" browser "* && ! -x /usr/bin/chromium ]]; then
  if [[ $EUID -eq 0 ]]; then
    echo "[usp_nb] installing Debian's chromium for the browser test"
    apt-get -o Acquire::Retries=5 update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o Acquire::Retries=5 install -y -qq chromium > /dev/null
  else echo "[usp_nb] the browser test needs Debian's chromium: sudo apt-get install chromium"; fi
fi
# the notebooks' test cells write run folders and caches in temp folders of their own (tools/test_notebooks.py
# removes each when its notebook ends); at most two run at once
usp_need_disk "${TMPDIR:-/tmp}" 3 "the tests' temp folders" || exit 1
# one BLAS/OpenMP thread per worker: oversubscribed OpenMP threads spin and slow everything down
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
python -m pytest tools/test_docs.py tools/test_tools.py tools/test_notebooks.py -n "${USP_TEST_WORKERS:-2}" -q --durations=0 "$@"
