"""Runs every notebook in nbs/ as a pytest test (nbdev's test_nb: each notebook top to bottom in a fresh kernel).

Flags from settings.ini's tst_flags mark cells that need more than a CPU and a few seconds;
USP_TEST_FLAGS chooses which run (default: slow slurm browser; gpu only where CUDA exists)."""
import os
from pathlib import Path
import pytest

NBS = Path(__file__).resolve().parents[1]/'nbs'
NOTEBOOKS = sorted(p for p in NBS.glob('*.ipynb') if not p.name.startswith(('_', '.')))

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

@pytest.mark.parametrize('nb', NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook(nb):
    from nbdev.test import test_nb
    skip, force = _flags()
    ok, secs = test_nb(nb, skip_flags=skip, force_flags=force, showerr=True)
    print(f'{nb.name}: {secs:.1f}s')
    assert ok, f'{nb.name} failed; see the traceback above'
