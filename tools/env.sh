# Source me: creates (once) and activates the project virtual environment in .venv.
# torch and torchvision are resolved from PyPI as a matched pair (the CUDA build, which also runs
# on a CPU-only machine); a stamp of settings.ini makes a changed dependency list reinstall.
set -euo pipefail
_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_py="${USP_PYTHON:-$(command -v python3.11 || command -v python3)}"
_stamp="$_root/.venv/.usp_nb_stamp"
_want="$(cat "$_root/settings.ini" "$_root/setup.py" | sha256sum | cut -c1-16)"
if [[ ! -x "$_root/.venv/bin/python" || "$(cat "$_stamp" 2>/dev/null)" != "$_want" ]]; then
  echo "[usp_nb] setting up $_root/.venv with $($_py --version) (first run: a few minutes, torch is large)"
  "$_py" -m venv "$_root/.venv"
  "$_root/.venv/bin/python" -m pip install -q --upgrade pip
  "$_root/.venv/bin/python" -m pip install -q -e "$_root[dev]" --config-settings editable_mode=compat
  echo "$_want" > "$_stamp"
fi
source "$_root/.venv/bin/activate"
export PYTHONHASHSEED=0
