"""Readiness checks for the first GPU run (issue #22), written to one JSON file.

1. bf16 autocast vs strict fp32: the loss curves of a few steps of pretraining and of generator training agree.
2. torch.compile vs eager: the same curves, and Dynamo compiles once (no recompilation, no graph break in usp_nb).
3. No host syncs per step: the reads of tensor values usp_nb makes (core.count_host_reads) and, on a GPU, every
   synchronising CUDA call (CUDA's sync debug mode) are the same for a short and a longer run.
4. DDP: 2 processes x batch B x accum 2 give the curve and weights of 1 process x batch B x accum 4 (pretraining;
   the generator draws its noise per rank, so there only the run itself and its loss level are checked); on a GPU
   when it has at least 2 devices, on a CPU (the dry run) over gloo.
5. usp_bench's headline rows: DiT-XL/2 training MFU (with --compile) and MLM-XL/2 from cached vs online latents.

Usage: `bash tools/gpu_check.sh` on a device machine (one H100/H200: under 8 minutes), `--device cpu` for a dry run
with tiny models. Only the stages' public API is used: PretrainConfig + pretrain, TrainConfig + train_generator, the
stage commands (under torchrun), usp_nb.core helpers and the run directories they write."""
import argparse, json, math, os, subprocess, sys, tempfile, time, traceback
from pathlib import Path
import torch

T0 = time.time()

def sizes(device:str) -> dict:
    "Models, data and tolerances: base-size models at 256 px on a GPU, the tiny ones on a CPU."
    if device == 'cuda':
        return dict(latent=(4, 32, 32), n=2048, classes=1000, image_size=256, pre='usp-vit-b/2', gen='dit-b/2', B=32, steps=8,
                    lr=1e-3, short=2, long=6, tol_bf16=0.03, tol_compile=0.02, tol_ddp=0.01, tol_ddp_gen=0.1,
                    bench=[('dit-xl', ['--suite', 'paper', '--workloads', 'dit_train', '--sizes', 'xl', '--compile', '--iters', '5', '--warmup', '2']),
                           ('mlm-xl', ['--suite', 'paper', '--workloads', 'mlm_train', '--sizes', 'xl', '--iters', '5', '--warmup', '2'])])
    return dict(latent=(4, 8, 8), n=512, classes=10, image_size=64, pre='usp-vit-tiny/2', gen='dit-tiny/2', B=8, steps=6,
                lr=2e-3, short=2, long=6, tol_bf16=0.01, tol_compile=1e-4, tol_ddp=1e-5, tol_ddp_gen=0.1,
                bench=[('dit-tiny', ['--suite', 'tiny', '--workloads', 'dit_train', '--sizes', 'tiny', '--batch', '16', '--iters', '2', '--warmup', '1']),
                       ('mlm-tiny', ['--suite', 'tiny', '--workloads', 'mlm_train', '--sizes', 'tiny', '--batch', '16', '--iters', '2', '--warmup', '1'])])

class Report:
    "The JSON report, rewritten (atomically) after every section, so a run cut short keeps what it measured."
    def __init__(self, path, meta):
        self.path, self.data = Path(path), {'meta': meta, 'checks': {}, 'bench': {}, 'verdicts': {}, 'targets': [], 'ok': None}
    def write(self):
        self.data['meta']['seconds'] = round(time.time() - T0, 1)
        v = self.data['verdicts'].values()
        self.data['ok'] = bool(v) and not any(x in ('FAIL', 'ERROR') for x in v)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix('.tmp'); tmp.write_text(json.dumps(self.data, indent=1, default=str)); tmp.replace(self.path)

def log(msg): print(f'[gpu_check {time.time() - T0:6.1f}s] {msg}', file=sys.stderr, flush=True)

def run_stage(kind:str, run_dir, kw:dict) -> float:
    "Pretrain (`kind='pretrain'`) or train a generator (`'train'`) in this process; returns the seconds it took."
    from usp_nb.pretrain import PretrainConfig, pretrain
    from usp_nb.train import TrainConfig, train_generator
    t = time.time()
    if kind == 'pretrain': pretrain(PretrainConfig(run_dir=str(run_dir), **kw))
    else: train_generator(TrainConfig(run_dir=str(run_dir), **kw))
    return round(time.time() - t, 2)

def losses(run_dir) -> list[float]:
    from usp_nb.core import RunDir
    return [r['loss'] for r in RunDir(run_dir).metrics()]

def weights(run_dir) -> dict:
    from usp_nb.core import RunDir, load_checkpoint
    return load_checkpoint(RunDir(run_dir).latest_checkpoint())['models']['model']

def stage_kwargs(S:dict, device:str, cache) -> dict:
    "{'pretrain': PretrainConfig kwargs, 'train': TrainConfig kwargs} of the 1-process runs: micro-batches of B (pretraining: 4 per step), a log row every step."
    common = dict(data='cache', data_path=str(cache), device=device, steps=S['steps'], lr=S['lr'], log_every=1, ckpt_every=1000, keep_last=1)
    return {'pretrain': dict(common, preset=S['pre'], image_size=S['image_size'], batch_size=S['B'], accum_steps=4, warmup_steps=2),
            'train': dict(common, model=S['gen'], batch_size=S['B'])}

def verdict(ok:bool) -> str: return 'PASS' if ok else 'FAIL'

def section(rep:Report, name:str, fn, *a):
    "Run one check; its result (or the error) goes into the report, with its verdict."
    log(f'{name} ...')
    t = time.time()
    try:
        res = fn(*a)
        rep.data['verdicts'][name] = res.pop('verdict')
    except Exception as e:
        res = {'error': f'{type(e).__name__}: {e}', 'traceback': traceback.format_exc()[-3000:]}
        rep.data['verdicts'][name] = 'ERROR'
    res['seconds'] = round(time.time() - t, 1)
    rep.data['checks'][name] = res; rep.write()
    log(f'{name}: {rep.data["verdicts"][name]} ({res["seconds"]}s)')
    return res

# --- the checks ---

def check_parity(kind, S, device, kw, tmp, prod):
    "fp32 (strict) vs bf16 eager, and compiled vs eager in the production precision; Dynamo's compile counts."
    from usp_nb.gpu_check import count_compiles, loss_gap, weight_gap
    runs = {'fp32': dict(kw, precision='fp32', tf32=False), 'bf16': dict(kw, precision='bf16')}
    out = {'config': {k: v for k, v in kw.items() if k != 'data_path'}, 'seconds_per_run': {}}
    for name, c in runs.items(): out['seconds_per_run'][name] = run_stage(kind, tmp/f'{kind}-{name}', c)
    ref = 'bf16' if prod == 'bf16' else 'fp32'                 # compile is compared with the eager run of its precision
    with count_compiles() as cc:
        out['seconds_per_run']['compiled'] = run_stage(kind, tmp/f'{kind}-compiled', dict(runs[ref], compile=True))
    L = {n: losses(tmp/f'{kind}-{n}') for n in ('fp32', 'bf16', 'compiled')}
    W = {n: weights(tmp/f'{kind}-{n}') for n in L}
    bf = dict(max_rel_loss_gap=loss_gap(L['bf16'], L['fp32']), rel_weight_gap=weight_gap(W['bf16'], W['fp32']), tol=S['tol_bf16'])
    co = dict(reference=ref, max_rel_loss_gap=loss_gap(L['compiled'], L[ref]), rel_weight_gap=weight_gap(W['compiled'], W[ref]),
              tol=S['tol_compile'], **cc)
    co['usp_nb_break_sites'] = [s for s in cc['break_sites'] if 'usp_nb' in s]
    bf['pass'] = bf['max_rel_loss_gap'] <= bf['tol'] and all(map(math.isfinite, L['bf16']))
    co['pass'] = (co['max_rel_loss_gap'] <= co['tol'] and cc['frames'] >= 1 and not cc['recompiles'] and not co['usp_nb_break_sites'])
    out.update(losses=L, bf16_vs_fp32=bf, compiled_vs_eager=co, verdict=verdict(bf['pass'] and co['pass']))
    return out

def check_host_syncs(kind, S, device, kw, tmp, prod):
    "Host reads by usp_nb (and CUDA syncs on a GPU) of a short and a longer run whose only boundary is the last step: the same counts."
    from usp_nb.core import count_host_reads
    from usp_nb.bench import count_host_syncs
    out = {}
    for n in (S['short'], S['long']):
        box = {}
        def go():
            with count_host_reads() as sites: run_stage(kind, tmp/f'{kind}-sync{n}', dict(kw, precision=prod, steps=n, log_every=1000))
            box['reads'], box['sites'] = sum(sites.values()), [f'{m}.{f}:{line} x{k}' for (m, f, line), k in sites.items()]
        syncs = count_host_syncs(go, device) if device == 'cuda' else go()
        out[n] = dict(box, cuda_syncs=syncs)
    a, b = out[S['short']], out[S['long']]
    steps = S['long'] - S['short']
    res = dict(runs=out, host_reads_per_step=(b['reads'] - a['reads']) / steps,
               cuda_syncs_per_step=None if device != 'cuda' else (b['cuda_syncs'] - a['cuda_syncs']) / steps)
    ok = res['host_reads_per_step'] == 0 and a['reads'] >= 1 and res['cuda_syncs_per_step'] in (None, 0)
    return dict(res, verdict=verdict(ok))

def torchrun(module:str, cfg, nproc:int, env:dict, timeout:float) -> subprocess.CompletedProcess:
    "`cfg`'s stage command (`python -m usp_nb.pretrain|train`, every option given) in `nproc` processes under torchrun."
    from usp_nb.core import config_argv
    cmd = [sys.executable, '-m', 'torch.distributed.run', '--standalone', f'--nproc_per_node={nproc}', '-m', module, *config_argv(cfg)]
    return subprocess.run(cmd, env={**os.environ, 'USP_NB_QUIET': '1', **env}, capture_output=True, text=True, timeout=timeout)

def check_ddp(S, device, kws, tmp, prod, timeout):
    "2 processes x B x accum 2 vs the 1-process B x accum 4 runs above (the generator: 2 x B vs 1 x B); compiled on a GPU."
    from usp_nb.pretrain import PretrainConfig
    from usp_nb.train import TrainConfig
    from usp_nb.gpu_check import compile_log_summary, loss_gap, weight_gap
    n = torch.cuda.device_count() if device == 'cuda' else 2
    if n < 2: return {'skipped': f'{n} CUDA device(s): a DDP step needs 2', 'verdict': 'SKIP'}
    compile = device == 'cuda'                                  # a CPU dry run stays eager (a cold inductor build takes minutes here)
    env = {'OMP_NUM_THREADS': '1'} if device == 'cpu' else {}
    if compile: env['TORCH_LOGS'] = 'dynamo,recompiles,graph_breaks'
    prec = dict(precision=prod) if device == 'cuda' else dict(precision='fp32', tf32=False)
    ref = {'pretrain': 'compiled' if compile else 'fp32', 'train': 'compiled' if compile else 'fp32'}
    out, ok = {'processes': 2, 'backend': 'nccl' if device == 'cuda' else 'gloo', 'compile': compile}, True
    for kind, module, Cfg in (('pretrain', 'usp_nb.pretrain', PretrainConfig), ('train', 'usp_nb.train', TrainConfig)):
        run_dir = tmp/f'{kind}-ddp'
        extra = dict(accum_steps=2) if kind == 'pretrain' else {}       # pretraining: 2 ranks x B x 2 = the 4B images of a 1-process step
        cfg = Cfg(**dict(kws[kind], **prec, **extra, run_dir=str(run_dir), compile=compile))
        t = time.time(); r = torchrun(module, cfg, 2, env, timeout)
        d = {'seconds': round(time.time() - t, 1), 'returncode': r.returncode}
        if r.returncode != 0:
            d['stderr_tail'] = r.stderr[-3000:]; out[kind] = d; ok = False; continue
        L, R = losses(run_dir), losses(tmp/f'{kind}-{ref[kind]}')
        d.update(losses=L, reference=f'1 process, batch {S["B"]}' + (', accum 4' if kind == 'pretrain' else '') + f' (the {ref[kind]} run)',
                 reference_losses=R, max_rel_loss_gap=loss_gap(L, R), rel_weight_gap=weight_gap(weights(run_dir), weights(tmp/f'{kind}-{ref[kind]}')))
        if compile:
            d['compiles'] = compile_log_summary(r.stderr + r.stdout)
            d['recompiles'] = sum(len(v['recompiles']) for v in d['compiles'].values())
        exact = kind == 'pretrain'                              # the generator's noise is drawn per rank (seeded by rank)
        d['tol'] = S['tol_ddp'] if exact else S['tol_ddp_gen']
        d['expect'] = ('the same curve: micro-batch m of rank r holds images (and masks) 2Bm + r, 2Bm + r + 2, ..., those of micro-batches '
                       '2m and 2m+1 of the 1-process run' if exact else
                       'the same loss level only: each rank draws its own noise and timesteps, and the step sees 2B images, not B')
        d['mean_rel_loss_gap'] = abs(sum(L) / len(L) - sum(R) / len(R)) / (sum(R) / len(R))
        gap = d['max_rel_loss_gap'] if exact else d['mean_rel_loss_gap']      # the generator: the curves' means, not step by step
        d['pass'] = len(L) == len(R) and all(map(math.isfinite, L)) and gap <= d['tol'] and not d.get('recompiles')
        ok &= d['pass']; out[kind] = d
    return dict(out, verdict=verdict(ok))

def run_bench(name, args, device, out_dir, timeout):
    "One usp_bench call (its JSON under $OUT): the rows and the target lines, or the error and the log's tail."
    path = Path(out_dir)/f'bench-{name}.json'
    cmd = [sys.executable, '-m', 'usp_nb.bench', '--device', device, *args, '--out', str(path)]   # -m: fastcore's call_parse ignores the arguments under `python -c`
    t = time.time()
    try: r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout); rc, text = r.returncode, r.stdout + r.stderr
    except subprocess.TimeoutExpired as e:
        rc, text = 'timeout', ((e.stdout or b'').decode(errors='replace') if isinstance(e.stdout, bytes) else (e.stdout or '')) + \
                              ((e.stderr or b'').decode(errors='replace') if isinstance(e.stderr, bytes) else (e.stderr or ''))
    res = {'command': 'usp_bench ' + ' '.join(cmd[3:]), 'returncode': rc, 'seconds': round(time.time() - t, 1)}
    if path.exists():
        rep = json.loads(path.read_text())
        keep = ('workload', 'preset', 'mode', 'batch', 'micro_batch', 'images_per_s', 'ms_per_step', 'tflops', 'mfu',
                'frac_of_matmul', 'peak_mem_mib', 'host_syncs', 'precision', 'compile', 'error')
        res.update(rows=[{k: r[k] for k in keep if k in r} for r in rep['results']], results=rep['results'], table=rep['table'],
                   peak_bf16_tflops=rep['meta'].get('peak_bf16_tflops'), measured_matmul_tflops=rep['meta'].get('measured_matmul_tflops'))
    else: res['log_tail'] = text[-3000:]
    return res

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--device', default='cuda', choices=('cuda', 'cpu'), help='cuda: the real check; cpu: a dry run with tiny models')
    ap.add_argument('--out', default=None, help='the JSON file (default: $OUT/gpu_check.json, $OUT defaulting to runs/gpu_check)')
    ap.add_argument('--budget', type=float, default=None, help='seconds for the whole check (default 465 on cuda, 300 on cpu); the bench gets what is left')
    ap.add_argument('--skip', default='', help='comma-separated sections to leave out: parity,host_syncs,ddp,bench')
    a = ap.parse_args(argv)
    device, skip = a.device, {s.strip() for s in a.skip.split(',') if s.strip()}
    if device == 'cuda' and not torch.cuda.is_available(): sys.exit('gpu_check: --device cuda but no CUDA device is visible (use --device cpu for a dry run)')
    budget = a.budget or (465 if device == 'cuda' else 300)
    out = Path(a.out or Path(os.environ.get('OUT', 'runs/gpu_check'))/'gpu_check.json')
    from usp_nb.core import git_commit, resolve_precision, set_tf32
    from usp_nb.latents import synthetic_cache
    S, prod = sizes(device), resolve_precision('auto', device)
    meta = dict(device=torch.cuda.get_device_name() if device == 'cuda' else 'cpu', device_type=device,
                cuda_devices=torch.cuda.device_count() if device == 'cuda' else 0, torch=torch.__version__, cuda=torch.version.cuda,
                python=sys.version.split()[0], git_commit=git_commit(), date=time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()),
                budget_s=budget, production_precision=prod, threads=torch.get_num_threads(),
                sizes={k: v for k, v in S.items() if k != 'bench'})
    rep = Report(out, meta); rep.write()
    log(f'{meta["device"]}, torch {torch.__version__}; report: {out}')
    with tempfile.TemporaryDirectory(prefix='gpu_check-') as d:
        tmp = Path(d)
        cache = synthetic_cache(tmp/'cache', S['n'], latent_shape=S['latent'], num_classes=S['classes'])
        kws = stage_kwargs(S, device, cache)
        for kind in ('pretrain', 'train'):
            if 'parity' not in skip: section(rep, f'parity_{kind}', check_parity, kind, S, device, kws[kind], tmp, prod)
            if 'host_syncs' not in skip: section(rep, f'host_syncs_{kind}', check_host_syncs, kind, S, device, kws[kind], tmp, prod)
        set_tf32(True)                                           # the stages set it per run; the bench sets its own
        if 'ddp' not in skip:
            if 'parity' in skip: rep.data['verdicts']['ddp'] = 'SKIP'; rep.data['checks']['ddp'] = {'skipped': 'needs the parity runs as its reference'}
            else: section(rep, 'ddp', check_ddp, S, device, kws, tmp, prod, max(60, budget - (time.time() - T0) - 60))
    if 'bench' not in skip:
        from usp_nb.bench import check_targets
        import gc; gc.collect()
        if device == 'cuda': torch.cuda.empty_cache()           # the bench runs in its own process: give it the memory the checks held
        results = []
        for i, (name, args) in enumerate(S['bench']):
            left = budget - (time.time() - T0) - 5
            share = left / (len(S['bench']) - i) * (1.25 if i == 0 and len(S['bench']) > 1 else 1)   # the first (compile) gets a bit more
            if left < 30: rep.data['bench'][name] = {'skipped': f'{left:.0f}s of the budget left'}; rep.write(); continue
            log(f'bench {name} (up to {share:.0f}s) ...')
            rep.data['bench'][name] = b = run_bench(name, args, device, out.parent, min(share, left))
            results += b.pop('results', [])
            rep.data['targets'] = check_targets(results); rep.write()          # the targets over every row so far
            log(f'bench {name}: rc {b["returncode"]}, {b["seconds"]}s')
    rep.write()
    log(f'done in {time.time() - T0:.0f}s: ' + ', '.join(f'{k} {v}' for k, v in rep.data['verdicts'].items()))
    for line in rep.data['targets']: log(line)
    return 0 if rep.data['ok'] else 1

if __name__ == '__main__': sys.exit(main())
