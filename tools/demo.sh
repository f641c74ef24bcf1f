#!/usr/bin/env bash
# The main job: set up .venv if needed, then run the built-in end-to-end pipeline.
set -euo pipefail
cd "$(dirname "$0")/.."
# the package alone in a new .venv (the test tools come when tools/test.sh first runs)
USP_VENV_EXTRAS="${USP_VENV_EXTRAS:-run}" source tools/env.sh
usp_demo "$@"
