"""How long a checkpoint stops training: `stage.StageCheckpoints.save` written on the training thread against the
background write from a host copy (the stages' default). Prints figures; asserts nothing (see BENCHMARKS.md).

    python tools/bench_checkpoint.py [--mb 1024] [--repeats 3]

A model and its AdamW state of about `--mb` MB (weights, exp_avg, exp_avg_sq, plus an EMA copy) are checkpointed
into a temporary run directory; for each mode the figure is the time `save()` blocks the caller, and the time
until the checkpoint is on disk."""
import argparse, json, tempfile, time
from dataclasses import dataclass
from types import SimpleNamespace
import torch
from torch import nn
from usp_nb.core import Config, RunDir
from usp_nb.stage import StageCheckpoints

@dataclass
class _Cfg(Config):
    note: str = 'bench'

class _Loader:
    def state_dict(self): return {'epoch': 0, 'batch': 0}

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--mb', type=float, default=1024, help='checkpoint size in MB (weights + EMA + AdamW moments)')
    ap.add_argument('--repeats', type=int, default=3)
    a = ap.parse_args()
    n = int(a.mb * 2**20 / 4 / 4)                                   # float32 numbers per tensor kind: weights, EMA, 2 moments
    side = int(n ** 0.5)
    model = nn.Sequential(*[nn.Linear(side // 4, side, bias=False) for _ in range(4)])
    ema = nn.Sequential(*[nn.Linear(side // 4, side, bias=False) for _ in range(4)])
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    for p in model.parameters(): p.grad = torch.randn_like(p)
    opt.step()
    info = SimpleNamespace(enabled=False, is_main=True)
    rows = {}
    for background in (False, True):
        blocked, total = [], []
        for r in range(a.repeats):
            with tempfile.TemporaryDirectory() as d:
                ck = StageCheckpoints(RunDir(d), info, 'bench', opt, torch.amp.GradScaler('cpu', enabled=False), _Loader(),
                                      lambda: {'model': model, 'ema': ema}, {'stage': 'bench', 'model_config': {}}, keep_last=1,
                                      background=background)
                ck.start_or_resume(_Cfg(), {})
                t0 = time.perf_counter(); path = ck.save(1); t1 = time.perf_counter(); ck.wait(); t2 = time.perf_counter()
                size = sum(f.stat().st_size for f in path.iterdir()) / 2**20
                blocked.append(t1 - t0); total.append(t2 - t0)
        rows['background' if background else 'on the training thread'] = dict(blocked_s=round(min(blocked), 3), on_disk_s=round(min(total), 3))
    print(json.dumps({'checkpoint_MB': round(size, 1), **rows}, indent=1))
    sync, bg = rows['on the training thread']['blocked_s'], rows['background']['blocked_s']
    print(f'save() blocks {sync:.2f} s on the training thread and {bg:.2f} s with the background write: {sync / max(bg, 1e-9):.1f}x less')

if __name__ == '__main__': main()
