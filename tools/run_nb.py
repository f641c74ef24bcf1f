"""Execute notebooks in place, storing their outputs (pictures) for the docs, while skipping cells whose
`#| flag` is not wanted here (by default `gpu` cells on a machine without CUDA); skipped cells keep their old outputs.

    python tools/run_nb.py nbs/02_vae.ipynb [more.ipynb ...] [--skip gpu,slurm]
Then run `nbdev_clean`."""
import argparse, os, re, sys, time
from pathlib import Path
from execnb.nbio import read_nb, write_nb
from execnb.shell import CaptureShell

def _flags(src:str) -> set:
    "Directive words on leading `#|` lines of a cell."
    out = set()
    for line in src.splitlines():
        if not line.startswith('#|'): break
        out.update(re.split(r'[\s:]+', line[2:].strip())[:1])
    return out

def run(fn:Path, skip:set):
    nb = read_nb(fn)
    def _no_eval(cell):
        return cell.cell_type != 'code' or 'nbdev_export(' in cell.source or bool(_flags(cell.source) & skip)
    k = CaptureShell(fn)
    t0 = time.time(); cwd = os.getcwd()
    os.chdir(fn.parent)
    try: k.run_all(nb, exc_stop=True, preproc=_no_eval)
    finally: os.chdir(cwd)
    write_nb(nb, fn)
    print(f'{fn}: executed in {time.time() - t0:.0f}s (skipped flags: {sorted(skip)})')

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('notebooks', nargs='+'); p.add_argument('--skip', default=None, help='comma-separated flags to skip')
    a = p.parse_args()
    import torch
    skip = set(a.skip.split(',')) if a.skip is not None else ({'gpu'} if not torch.cuda.is_available() else set())
    os.environ.setdefault('OMP_NUM_THREADS', '1')
    if len(a.notebooks) == 1: run(Path(a.notebooks[0]).resolve(), skip)
    else:                      # one process per notebook, as the tests do: torch state (grad mode, threads) must not leak
        import subprocess
        for f in a.notebooks:
            subprocess.run([sys.executable, __file__, f, '--skip', ','.join(sorted(skip))], check=True)
