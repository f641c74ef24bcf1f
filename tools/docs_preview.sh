#!/usr/bin/env bash
# Offline docs preview (no Quarto): the notebooks are processed into _proc/ exactly as nbdev_proc_nbs does for the
# Quarto site (nbdev's FilterDefaults: hide/export directives, show_doc cells), one notebook per process so one broken
# notebook does not stop the others; then nbconvert renders each processed notebook to self-contained HTML (images
# embedded as base64) in _docs_preview/, with an index.html linking every page. Open _docs_preview/index.html.
#
#   bash tools/docs_preview.sh                                   # every notebook -> _docs_preview/
#   bash tools/docs_preview.sh --out DIR 04_masking 16_widgets   # only these chapters, into DIR
#
# Exit status 1 when a notebook fails nbdev's processing (its page then shows the error; Quarto would fail on it too).
# The published site is built with Quarto by .github/workflows/deploy.yaml; this is a local approximation.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -f .venv/bin/activate ]; then source .venv/bin/activate; fi
OUT=_docs_preview
NAMES=()
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT="$2"; shift 2 ;;
    -h|--help) sed -n 2,11p "$0"; exit 0 ;;
    *) NAMES+=("$(basename "${1%.ipynb}")"); shift ;;
  esac
done
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
mkdir -p "$OUT"
exec python - "$OUT" "${NAMES[@]}" <<'PYEOF'
import html, subprocess, sys, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from nbconvert import HTMLExporter
import nbformat

out, names = Path(sys.argv[1]), sys.argv[2:]
nbs_dir, proc = Path('nbs'), Path('_proc')
srcs = sorted(p for p in nbs_dir.glob('*.ipynb') if not p.name.startswith(('_', '.')))
if names:
    unknown = sorted(set(names) - {p.stem for p in srcs})
    if unknown: sys.exit(f'no notebooks named {unknown} in {nbs_dir}/ (give stems such as 04_masking)')
    srcs = [p for p in srcs if p.stem in names]
proc.mkdir(exist_ok=True)
CODE = ('import sys; from pathlib import Path; from nbdev.serve_drv import exec_nb; from nbdev.processors import FilterDefaults; '
        'exec_nb(Path(sys.argv[1]), Path(sys.argv[2]), FilterDefaults)')

def process(src):
    "nbdev's docs processing of one notebook into _proc/ (reused while newer than the notebook); None or the error."
    dst = proc/src.name
    if dst.exists() and dst.stat().st_mtime >= src.stat().st_mtime: return None
    try: r = subprocess.run([sys.executable, '-c', CODE, str(src), str(dst)], capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired: return 'processing took over 600 s'
    if r.returncode:
        dst.unlink(missing_ok=True)
        lines = [l for l in r.stderr.strip().splitlines() if l.strip()]
        err = next((l for l in reversed(lines) if l.startswith(('Exception', 'NameError', 'Error'))), lines[-1] if lines else '?')
        return err[:400]
    return None

t0 = time.time()
with ThreadPoolExecutor(2) as ex: errors = list(ex.map(process, srcs))
import re
from traitlets.config import Config
c = Config()
c.HTMLExporter.embed_images = True            # output images are data URIs already; this also inlines markdown images
c.HTMLExporter.exclude_input_prompt = c.HTMLExporter.exclude_output_prompt = True
c.TagRemovePreprocessor.enabled = True
c.TagRemovePreprocessor.remove_input_tags = {'remove_input'}
exp = HTMLExporter(config=c)
QUARTO_ATTRS = re.compile(r'\{(?:target|style|\.)[^{}]*\}')   # Quarto-only attributes in show_doc markdown, e.g. {target="_blank" ...}

def quarto_to_plain(nb):
    "What Quarto does and nbconvert does not: hide `#| echo: false` inputs, drop Quarto's attribute blocks."
    for cell in nb.cells:
        if cell.cell_type != 'code': continue
        if re.search(r'^#\|\s*echo:\s*false', cell.source, re.M): cell.metadata.setdefault('tags', []).append('remove_input')
        for o in cell.get('outputs', []):
            md = o.get('data', {}).get('text/markdown')
            if md is not None: o['data']['text/markdown'] = QUARTO_ATTRS.sub('', md if isinstance(md, str) else ''.join(md))
    return nb
pages, failed = [], []
for src, err in zip(srcs, errors):
    page = ('readme' if src.stem == 'index' else src.stem) + '.html'
    first = next((c.source for c in nbformat.read(src, as_version=4).cells if c.cell_type == 'markdown'), '')
    title = next((l.lstrip('# ').strip() for l in first.splitlines() if l.startswith('# ')), src.stem)
    summary = next((l[1:].strip() for l in first.splitlines() if l.startswith('>')), '')
    if err:
        failed.append(src.name)
        (out/page).write_text(f'<!doctype html><meta charset="utf-8"><h1>{html.escape(src.name)}: docs processing failed</h1>'
                              f'<pre>{html.escape(err)}</pre><p>nbdev executes exported cells, show_doc cells and every cell '
                              'holding an import while building the docs; keep imports in import-only cells.</p>', encoding='utf-8')
        print(f'FAILED {src.name}: {err}', file=sys.stderr)
    else:
        nb = quarto_to_plain(nbformat.read(proc/src.name, as_version=4))
        body, _ = exp.from_notebook_node(nb, resources={'metadata': {'path': str(proc)}})
        (out/page).write_text(body, encoding='utf-8')
        print(f'{src.name} -> {out/page}')
    pages.append((page, src.stem, title, summary, err))
items = '\n'.join(f'<li><a href="{pg}">{html.escape(stem)}: {html.escape(t)}</a> <small>{html.escape(s)}</small>'
                  + (' <b style="color:#b00">processing failed</b>' if e else '') + '</li>' for pg, stem, t, s, e in pages)
(out/'index.html').write_text('<!doctype html><html><head><meta charset="utf-8"><title>usp_nb docs preview</title></head>'
                              '<body><h1>usp_nb docs preview</h1><p>Offline preview rendered with nbconvert '
                              f'(the published site is built with Quarto).</p><ul>\n{items}\n</ul></body></html>\n', encoding='utf-8')
print(f'{len(pages)} pages in {time.time() - t0:.0f} s; open {out/"index.html"}' + (f'; FAILED: {failed}' if failed else ''))
sys.exit(1 if failed else 0)
PYEOF
