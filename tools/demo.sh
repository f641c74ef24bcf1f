#!/usr/bin/env bash
# The main job: set up .venv if needed, then run the built-in end-to-end pipeline.
set -euo pipefail
cd "$(dirname "$0")/.."
source tools/env.sh
usp_demo "$@"
