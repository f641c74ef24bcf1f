"""Runs every notebook in nbs/ as a pytest test: nbdev's test_nb executes it top to bottom, each notebook in a
fresh Python process (global state such as torch.set_grad_enabled or thread counts must not leak between them).

Flags from settings.ini's tst_flags mark cells that need more than a CPU and a few seconds;
USP_TEST_FLAGS chooses which run (default: slow slurm browser; gpu only where CUDA exists; long only when asked).

Each notebook runs with TMPDIR set to a folder of its own, which is measured and removed when it ends: the
notebooks' test cells write run folders, caches and checkpoints with tempfile, and left in the system's temp
folder they added up to 27 GB over a few runs and filled the disk of a later CI run. USP_KEEP_TEST_TMP=1 keeps
a failed notebook's folder for a post-mortem."""
import os, shutil, subprocess, sys, tempfile, time
from pathlib import Path
import pytest

NBS = Path(__file__).resolve().parents[1]/'nbs'
NOTEBOOKS = sorted(p for p in NBS.glob('*.ipynb') if not p.name.startswith(('_', '.')))
_RUN = """
import sys
from pathlib import Path
from nbdev.test import test_nb
ok, secs = test_nb(Path(sys.argv[1]), skip_flags=sys.argv[2].split(), force_flags=sys.argv[3].split(), showerr=True)
print(f'{Path(sys.argv[1]).name}: {secs:.1f}s')
sys.exit(0 if ok else 1)
"""

def _flags():
    from nbdev.config import get_config
    all_flags = get_config().tst_flags.split()
    want = os.environ.get('USP_TEST_FLAGS')
    if want is None:
        want = 'slow slurm browser'
        import torch
        if torch.cuda.is_available(): want += ' gpu'
    force = [f for f in want.split() if f in all_flags]
    return [f for f in all_flags if f not in force], force

def tree_bytes(root):
    "Bytes in the files under `root` (links not followed; files that vanish while it walks are skipped)."
    total = 0
    for d, _, files in os.walk(root):
        for f in files:
            try: total += os.lstat(os.path.join(d, f)).st_size
            except OSError: pass
    return total

@pytest.mark.parametrize('nb', NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook(nb):
    skip, force = _flags()
    tmp = tempfile.mkdtemp(prefix=f'usp-test-{nb.stem}-')
    t0, r = time.time(), None
    try:
        r = subprocess.run([sys.executable, '-c', _RUN, str(nb), ' '.join(skip), ' '.join(force)],
                           capture_output=True, text=True, env={**os.environ, 'TMPDIR': tmp})
    finally:
        left = tree_bytes(tmp)
        keep = os.environ.get('USP_KEEP_TEST_TMP') == '1' and (r is None or r.returncode != 0)
        if not keep: shutil.rmtree(tmp, ignore_errors=True)
    sys.stdout.write(r.stdout[-5000:]); sys.stderr.write(r.stderr[-20000:])
    print(f'{nb.name}: {left / 1e6:.0f} MB left in its temp folder ({"kept: " + tmp if keep else "removed"})')
    assert r.returncode == 0, f'{nb.name} failed after {time.time() - t0:.0f}s; see the traceback above'
