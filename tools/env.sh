# Source me: creates (once) and activates the project virtual environment in .venv.
# torch and torchvision are the tested pair pinned in tools/constraints.txt (PyPI's CUDA build, which
# also runs on a CPU-only machine); a stamp of settings.ini, setup.py and the constraints makes a changed
# dependency list or pin reinstall.
# USP_VENV_EXTRAS: `dev` (default: the package with the test tools, nbdev and JupyterLab) or `run` (the package
# alone, what tools/demo.sh needs: 16 s less to install); a `run` .venv gains the dev tools when a later source
# asks for `dev`. pip installs without byte-compiling and compileall then compiles on every core (pip compiles
# on one: 155 s against 86 + 47 s for the whole install, measured on 2 cores).
set -euo pipefail
_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_py="${USP_PYTHON:-$(command -v python3.11 || command -v python3)}"
_stamp="$_root/.venv/.usp_nb_stamp"
# usp_need_disk DIR GB WHAT: stop with one line when DIR's file system has under GB GiB free (a full disk
# otherwise shows up minutes later as a pip "No space left on device" or a dropped download, then retries)
usp_need_disk() {
  local free; free="$(df -Pk "$1" | awk 'NR==2 {printf "%.1f", $4 / 1048576}')"
  if awk -v f="$free" -v n="$2" 'BEGIN {exit !(f < n)}'; then
    echo "[usp_nb] only $free GiB free on the file system of $1; $3 needs about $2 GiB: free some space (old clones, .venv folders, temp folders) and run this again" >&2
    return 1
  fi
}
_want="$(cat "$_root/settings.ini" "$_root/setup.py" "$_root/tools/constraints.txt" | sha256sum | cut -c1-16)"
_extras="${USP_VENV_EXTRAS:-dev}"
[[ "$_extras" == dev || "$_extras" == run ]] || { echo "[usp_nb] USP_VENV_EXTRAS is '$_extras'; use dev or run" >&2; return 1 2>/dev/null || exit 1; }
_have="" _have_extras=""; [[ -f "$_stamp" ]] && read -r _have _have_extras < "$_stamp"
if [[ ! -x "$_root/.venv/bin/python" || "$_have" != "$_want" || ( "$_extras" == dev && "${_have_extras:-dev}" != dev ) ]]; then
  _t0=$SECONDS
  if [[ -x "$_root/.venv/bin/python" ]]; then
    usp_need_disk "$_root" 2 "updating .venv" || { return 1 2>/dev/null || exit 1; }
    echo "[usp_nb] updating $_root/.venv ($_extras): the dependencies, a pin or the extras changed"
  else
    usp_need_disk "$_root" 7 "setting up .venv (torch's CUDA build is about 6 GiB installed)" || { return 1 2>/dev/null || exit 1; }
    echo "[usp_nb] setting up $_root/.venv ($_extras) with $($_py --version) (first run: about 2 minutes on 2 cores, torch is large)"; fi
  "$_py" -m venv "$_root/.venv"
  # torch's CUDA wheels are several hundred MB each and a dropped connection has been seen to fail a
  # whole install (CI, nvidia-cublas at 402.7 of 404.9 MB): retry the install; what finished is cached. (pip itself
  # is upgraded first; --resume-retries is passed where pip has it, >= 25.1.)
  for _try in 1 2 3 4; do
    "$_root/.venv/bin/python" -m pip install -q --upgrade pip || true
    _rr=(); [[ "$("$_root/.venv/bin/python" -m pip install --help)" == *--resume-retries* ]] && _rr=(--resume-retries 10)
    _spec="$_root"; [[ "$_extras" == dev ]] && _spec="$_root[dev]"
    if "$_root/.venv/bin/python" -m pip install -q --no-compile "${_rr[@]}" -c "$_root/tools/constraints.txt" -e "$_spec" --config-settings editable_mode=compat; then
      break
    fi
    if [[ $_try == 4 ]]; then
      echo "[usp_nb] pip install failed 4 times; check the network (PyPI) and run this again: finished downloads are cached" >&2
      return 1 2>/dev/null || exit 1
    fi
    echo "[usp_nb] pip install failed (try $_try of 4; usually a dropped download of a large CUDA wheel); retrying in 20 s" >&2
    sleep 20
  done
  # every core; a few files in the packages' own test folders do not compile (pip skips those quietly too)
  "$_root/.venv/bin/python" -m compileall -q -j 0 "$("$_root/.venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')" > /dev/null 2>&1 || true
  echo "$_want $_extras" > "$_stamp"
  echo "[usp_nb] .venv ready ($_extras) in $((SECONDS - _t0)) s"
fi
source "$_root/.venv/bin/activate"
export PYTHONHASHSEED=0
