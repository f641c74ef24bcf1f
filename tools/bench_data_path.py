"""Benchmark of the data path (issue: the data path at ImageNet scale). Prints figures for BENCHMARKS.md; asserts only
correctness (the parallel builds' shards equal the serial build's, byte for byte).

  python tools/bench_data_path.py build [--n 2000]      # cache build: images/s with 0, 2, 4 loader workers and 2 processes
  python tools/bench_data_path.py read [--gb 2]         # reads: samples/s and memory per reader, 1 and 2 reader processes
  python tools/bench_data_path.py scan [--n 100000]     # folder scan: us per file, ours vs torchvision's ImageFolder
"""
import argparse, json, os, subprocess, sys, tempfile, time
from pathlib import Path

_BUILD_PART = """
import sys, time, torch; torch.set_num_threads(1)
from usp_nb.vae import builtin_vae
from usp_nb.data import ImageFolderDataset, center_crop_transform
from usp_nb.latents import build_latent_cache
root, out, workers, part = sys.argv[1:]
build_latent_cache(ImageFolderDataset(root, center_crop_transform(32)), builtin_vae(device='cpu'), out, shard_size=256,
                   batch_size=64, num_workers=int(workers), part=part, quiet=True)
"""

_READ = """
import sys, time, torch; torch.set_num_threads(1)
from usp_nb.latents import LatentCache, LatentLoader
def kb(key): return int(next(l for l in open('/proc/self/status') if l.startswith(key)).split()[1])
base = kb('VmRSS:')
c = LatentCache(sys.argv[1], in_memory=False)
rank, world, mode, seconds = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], float(sys.argv[5])
L = LatentLoader(c, 256, seed=0, rank=rank, world_size=world, mode=mode)
n, t0 = 0, time.perf_counter()
for z, y in L.forever():
    n += len(y)
    if time.perf_counter() - t0 > seconds: break
print(n / (time.perf_counter() - t0), (kb('VmHWM:') - base) / 1024, base / 1024)
"""

def bench_build(n):
    import torch
    from PIL import Image
    from usp_nb.data import builtin_shapes_arrays
    d = Path(tempfile.mkdtemp(prefix='bench-build-'))
    imgs, labels = builtin_shapes_arrays(n, 32, seed=3)
    for i, (im, l) in enumerate(zip(imgs, labels)):
        (d/'img'/f'c{int(l)}').mkdir(parents=True, exist_ok=True)
        Image.fromarray(im.permute(1, 2, 0).numpy()).save(d/'img'/f'c{int(l)}'/f'{i:06d}.png')
    def shards(out): return {f.name: f.read_bytes() for f in sorted(Path(out).glob('shard-*.safetensors'))}
    rows, ref = [], None
    for label, workers, parts in (('0 workers', 0, 1), ('2 workers', 2, 1), ('4 workers', 4, 1), ('2 processes x 0 workers', 0, 2),
                                  ('2 processes x 2 workers', 2, 2)):
        out = d/label.replace(' ', '_')
        t0 = time.perf_counter()
        procs = [subprocess.Popen([sys.executable, '-c', _BUILD_PART, str(d/'img'), str(out), str(workers), f'{k}/{parts}']) for k in range(parts)]
        assert all(p.wait() == 0 for p in procs)
        secs = time.perf_counter() - t0
        s = shards(out); ref = ref or s
        rows.append((label, n/secs, s == ref))
        print(f'| {label} | {n/secs:,.0f} | {secs:.1f} | {"yes" if s == ref else "NO"} |', flush=True)
    assert all(ok for *_, ok in rows), 'a parallel build differs from the serial one'

def bench_read(gb, seconds):
    per_image = 2 * 2 * 4 * 32 * 32 * 2                                 # mean + logvar, image + flip, fp16: 32 KiB
    n = int(gb * 2**30 / per_image)
    d = Path(tempfile.mkdtemp(prefix='bench-read-'))
    from usp_nb.latents import synthetic_cache
    c = synthetic_cache(d/'c', n)
    size = sum(f.stat().st_size for f in c.glob('shard-*')) / 2**30
    print(f'synthetic cache: {n:,} images, {len(list(c.glob("shard-*")))} shards, {size:.2f} GiB')
    for f in c.glob('shard-*'): f.read_bytes()                            # warm the page cache (the steady state of a long run)
    for mode in ('mean', 'sample'):
        for world in (1, 2):
            procs = [subprocess.Popen([sys.executable, '-c', _READ, str(c), str(r), str(world), mode, str(seconds)], stdout=subprocess.PIPE, text=True)
                     for r in range(world)]
            res = [list(map(float, p.communicate()[0].split())) for p in procs]
            total = sum(r[0] for r in res); grew = max(r[1] for r in res)
            print(f'| {mode} | {world} | {total:,.0f} | {total/world:,.0f} | {grew:.1f} MB ({grew/(size*1024):.2%} of the cache) | {24000/total:.2f} |', flush=True)

def bench_scan(n):
    from usp_nb.data import ImageFolderDataset
    from torchvision.datasets.folder import make_dataset, find_classes, IMG_EXTENSIONS
    d = Path(tempfile.mkdtemp(prefix='bench-scan-'))
    for i in range(n): (d/f'c{i % 100:03d}').mkdir(exist_ok=True) if i < 100 else None; open(d/f'c{i % 100:03d}'/f'{i:07d}.JPEG', 'w').close()
    t0 = time.perf_counter(); ours = ImageFolderDataset(d); t_ours = time.perf_counter() - t0
    t0 = time.perf_counter(); tv = make_dataset(str(d), find_classes(str(d))[1], extensions=IMG_EXTENSIONS); t_tv = time.perf_counter() - t0
    assert [(str(p), c) for p, c in ours.samples] == [(p, c) for p, c in tv]
    print(f'{n:,} files: ours {t_ours/n*1e6:.1f} us/file, torchvision ImageFolder {t_tv/n*1e6:.1f} us/file (same list, same order); '
          f'ImageNet-1k (1.28M): ours {t_ours/n*1.28e6:.0f} s')

if __name__ == '__main__':
    ap = argparse.ArgumentParser(); ap.add_argument('what', choices=('build', 'read', 'scan'))
    ap.add_argument('--n', type=int, default=None); ap.add_argument('--gb', type=float, default=2.0); ap.add_argument('--seconds', type=float, default=8.0)
    a = ap.parse_args()
    if a.what == 'build': bench_build(a.n or 2000)
    elif a.what == 'read': bench_read(a.gb, a.seconds)
    else: bench_scan(a.n or 100_000)
