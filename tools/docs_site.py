"""The docs site offline, as Quarto renders nbdev's processed notebooks (Quarto itself cannot be installed here; the
published site is built by .github/workflows/deploy.yaml). Run through `bash tools/docs_preview.sh`.

1. nbdev's docs processing (`nbdev.processors.FilterDefaults`: front matter, `#| hide`, export and show_doc cells) of
   each notebook into _proc/, one process per notebook, reused while newer than the notebook;
2. what Quarto then does: the front matter becomes the page's file name, <title>, H1 and description; Quarto's cell
   options (`echo`, `output`, `include`) are obeyed; widget outputs show their picture (`image/png` in the bundle) or
   nothing (a widget's text repr is not documentation); show_doc's parameter comments get real links; carriage-return
   progress bars show their final state; links into the site stay inside it, links to a notebook go to its page;
3. nbconvert (lab template) renders each page, with a sidebar of every chapter, and no CDN: mermaid and MathJax come
   from npm (`npm pack`, pinned versions, into the git-ignored .cache/docs_vendor/) and are served from _static/.

Writes OUT/*.html, OUT/_static/ and OUT/pages.json (the pages, for tools/browser/check_docs.py)."""
import html, json, re, shutil, subprocess, sys, tarfile, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NBS, PROC, VENDOR = ROOT/'nbs', ROOT/'_proc', ROOT/'.cache'/'docs_vendor'
# file in _static/ -> (npm package@version, path inside its tarball)
VENDORED = {'mermaid.min.js': ('mermaid@11.12.2', 'package/dist/mermaid.min.js'),
            'tex-svg-full.js': ('mathjax@3.2.2', 'package/es5/tex-svg-full.js')}
PROCESS = ('import sys; from pathlib import Path; from nbdev.serve_drv import exec_nb; from nbdev.processors import FilterDefaults; '
           'exec_nb(Path(sys.argv[1]), Path(sys.argv[2]), FilterDefaults)')

def log(*a): print(*a, file=sys.stderr, flush=True)

# ---------------------------------------------------------------- nbdev's processing

def process(src:Path) -> str|None:
    "nbdev's docs processing of one notebook into _proc/ (reused while newer than the notebook); None, or the error."
    dst = PROC/src.name
    if dst.exists() and dst.stat().st_mtime >= src.stat().st_mtime: return None
    try: r = subprocess.run([sys.executable, '-c', PROCESS, str(src), str(dst)], capture_output=True, text=True, timeout=600, cwd=NBS)
    except subprocess.TimeoutExpired: return 'processing took over 600 s'
    if r.returncode == 0: return None
    dst.unlink(missing_ok=True)
    lines = [l for l in r.stderr.strip().splitlines() if l.strip()]
    cause = next((l for l in reversed(lines) if re.match(r'\w*(Error|Exception)\b', l) and not l.startswith('Exception: Error in')), '')
    where = next((l for l in reversed(lines) if l.startswith('Exception: Error in')), lines[-1] if lines else '?')
    return f'{where} {cause}'.strip()[:600]

# ---------------------------------------------------------------- vendored scripts

def vendor(out:Path) -> set:
    "Copy the pinned npm files into out/_static (fetched once per version with `npm pack` into .cache/docs_vendor/); the names available."
    have = set()
    for name, (pkg, member) in VENDORED.items():
        f = VENDOR/pkg/name                                  # one folder per pinned version
        if not f.exists(): _fetch(pkg, member, f)
        if f.exists(): shutil.copy2(f, out/'_static'/name); have.add(name)
    return have

def _fetch(pkg:str, member:str, dst:Path):
    "`npm pack pkg` (the registry's tarball, integrity-checked by npm) and extract `member` to `dst`."
    if shutil.which('npm') is None:
        log(f'WARNING: npm not found, so {pkg} is not vendored and its pages lack it; install Node.js and npm '
            '(apt-get install -y npm) and build again'); return
    dst.parent.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(['npm', 'pack', '--silent', '--pack-destination', str(dst.parent), pkg], capture_output=True, text=True, timeout=300)
    tgz = dst.parent/(r.stdout.strip().splitlines() or ['?'])[-1]
    if r.returncode or not tgz.is_file():
        log(f'WARNING: `npm pack {pkg}` failed ({r.stderr.strip()[-300:]}); check access to the npm registry'); return
    with tarfile.open(tgz) as t: data = t.extractfile(member).read()
    dst.write_bytes(data); tgz.unlink()

# ---------------------------------------------------------------- what Quarto does to a processed notebook

def front_matter(nb) -> dict:
    "Pop nbdev's front-matter raw cell (`---` YAML `---`) off `nb` and return it parsed."
    import yaml
    for i, c in enumerate(nb.cells[:3]):
        m = re.match(r'\s*---\n(.*?)\n---\s*$', c.source, re.S) if c.cell_type == 'raw' else None
        if m:
            del nb.cells[i]
            return yaml.safe_load(m.group(1)) or {}
    return {}

def cell_options(src:str) -> dict:
    "Quarto's `#| key: value` options at the top of a code cell."
    opts = {}
    for line in src.splitlines():
        m = re.match(r'#\|\s*([\w-]+)\s*:\s*(.*)$', line)
        if not line.startswith('#|'): break
        if m: opts[m.group(1)] = m.group(2).strip()
    return opts

def apply_cell_options(nb):
    "Obey `echo`, `output` and `include` (false hides), and drop the `#|` lines from the shown code."
    keep = []
    for c in nb.cells:
        if c.cell_type == 'code':
            o = cell_options(c.source)
            if o.get('include') == 'false': continue
            if o.get('output') == 'false': c.outputs = []
            c.source = re.sub(r'\A(#\|.*\n?)+', '', c.source)
            if o.get('echo') == 'false' or not c.source.strip(): c.metadata.setdefault('tags', []).append('remove_input')
        keep.append(c)
    nb.cells = keep

WIDGET = 'application/vnd.jupyter.widget-view+json'
WIDGET_REPR = re.compile(r'^[A-Z]\w*\((children|value|layout|description|options|index)=')   # VBox(children=(HBox(...

def widget_outputs(nb):
    "A widget output shows its picture (image/png) or HTML when it has one, its own text if it is not a widget repr, else nothing."
    nb.metadata.pop('widgets', None)
    for c in nb.cells:
        outs = []
        for o in c.get('outputs', []):
            d = o.get('data', {})
            if WIDGET in d:
                d.pop(WIDGET)
                pic = next((k for k in ('image/png', 'image/svg+xml', 'text/html') if k in d), None)
                if pic: o['data'] = {pic: d[pic]}
                elif WIDGET_REPR.match(''.join(d.get('text/plain', ''))): continue
            outs.append(o)
        if c.cell_type == 'code': c.outputs = outs

def final_lines(text:str) -> str:
    "Each line as a terminal leaves it: the part after its last carriage return (tqdm redraws its bar with \\r)."
    return '\n'.join(next((s for s in reversed(l.split('\r')) if s.strip()), '') for l in text.split('\n'))

QUARTO_ATTRS = re.compile(r'\{(?:target|style|\.)[^{}]*\}')   # {target="_blank" style=...} after show_doc's source link
MD_LINK = re.compile(r'\[`?([^\]`\n]+?)`?\]\(([^)\s]+)\)')
FENCE = re.compile(r'^```(\w*)\n(.*?)^```[ \t]*$', re.M | re.S)

def linked_code(md:str) -> str:
    "Fenced code in markdown holding markdown links (show_doc's parameter comments) as highlighted HTML with real links."
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import get_lexer_by_name
    def block(m):
        if not MD_LINK.search(m.group(2)): return m.group(0)
        links = []
        def hole(l): links.append(l.groups()); return f'LINKHOLE{len(links) - 1}X'
        out = highlight(MD_LINK.sub(hole, m.group(2)), get_lexer_by_name(m.group(1) or 'text'), HtmlFormatter(cssclass='highlight'))
        for i, (text, url) in enumerate(links):
            out = out.replace(f'LINKHOLE{i}X', f'<a href="{html.escape(url)}"><code>{html.escape(text)}</code></a>')
        return f'\n{out}\n'
    return FENCE.sub(block, md)

def outputs_as_quarto(nb):
    "Stream outputs in their final state; show_doc markdown without Quarto's attribute blocks, with linked signatures."
    for c in nb.cells:
        for o in c.get('outputs', []):
            if o.get('output_type') == 'stream': o['text'] = final_lines(''.join(o['text']))
            md = o.get('data', {}).get('text/markdown')
            if md is not None: o['data']['text/markdown'] = linked_code(QUARTO_ATTRS.sub('', ''.join(md)))

MATH = re.compile(r'(?<![\\$`])\$(?!\s)[^$\n`]+(?<!\s)\$(?!\d)|\$\$|\\\(')

def has_math(nb) -> bool: return any(c.cell_type == 'markdown' and MATH.search(re.sub(r'`[^`]*`', '', c.source)) for c in nb.cells)
def has_mermaid(nb) -> bool: return any(c.cell_type == 'markdown' and '```mermaid' in c.source for c in nb.cells)

# ---------------------------------------------------------------- the HTML

def slug(text:str) -> str:
    "Pandoc's (Quarto's) heading id: lower case, spaces to dashes, only letters, digits, _ - . kept."
    s = re.sub(r'[^\w\s.-]', '', html.unescape(re.sub(r'<[^>]+>', '', text)).replace('¶', '')).strip().lower()
    return re.sub(r'^[^a-z]+', '', re.sub(r'\s+', '-', s)) or 'section'

def pandoc_ids(body:str) -> str:
    "Heading ids as Quarto makes them (nbdev's links point at those), unique within the page."
    seen = {}
    def fix(m):
        base = slug(m.group(3)); n = seen.get(base, 0); seen[base] = n + 1
        hid = base if n == 0 else f'{base}-{n}'
        inner = re.sub(r'<a class="anchor-link" href="#[^"]*">', f'<a class="anchor-link" href="#{hid}">', m.group(3))
        return f'<h{m.group(1)} id="{hid}"{m.group(2)}>{inner}</h{m.group(1)}>'
    return re.sub(r'<h([1-6]) id="[^"]*"([^>]*)>(.*?)</h\1>', fix, body, flags=re.S)

def fix_anchors(out:Path, pages:list):
    "Links to an anchor its page lacks (nbdev links methods as `#class.method`, only show_doc'ed ones exist) go to the nearest one (`#class`), else to the page."
    ids = {p['page']: set(re.findall(r'\bid="([^"]+)"', (out/p['page']).read_text(encoding='utf-8'))) for p in pages}
    def fix(m):
        page, frag = m.group(1), m.group(2)
        have = ids.get(page or cur)
        if have is None or frag in have: return m.group(0)
        parts = frag.split('.')
        best = next(('.'.join(parts[:k]) for k in range(len(parts) - 1, 0, -1) if '.'.join(parts[:k]) in have), None)
        return f'href="{page}#{best}"' if best else f'href="{page or cur}"'
    for p in pages:
        cur, f = p['page'], out/p['page']
        f.write_text(re.sub(r'href="([\w.-]*\.html|)#([^"]+)"', fix, f.read_text(encoding='utf-8')), encoding='utf-8')

def notebook_links(body:str, pages:list) -> str:
    "Links to a notebook of the site (`[Reference §2](reference.ipynb#anchor)` in markdown) go to its page, as Quarto rewrites them."
    page_of = {p['notebook']: p['page'] for p in pages if p['notebook']}
    return re.sub(r'href="([\w.-]+\.ipynb)(#[^"]*)?"', lambda m: f'href="{page_of[m.group(1)]}{m.group(2) or ""}"' if m.group(1) in page_of else m.group(0), body)

def local_links(body:str, site:str) -> str:
    "Links into the published site (`site`, e.g. https://usp-nb.github.io/usp_nb/) point at the pages next to this one."
    return body.replace(f'href="{site}', 'href="') if site else body

TEMPLATE = r'''{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
{%- block html_head_js_mathjax -%}
{%- if resources.usp.math -%}
<script>window.MathJax = {tex: {inlineMath: [['$', '$'], ['\\(', '\\)']]}, options: {enableMenu: false}};</script>
<script src="_static/tex-svg-full.js" defer></script>
{%- endif -%}
{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}
{%- if resources.usp.mermaid -%}
<script src="_static/mermaid.min.js"></script>
<script>
document.addEventListener('DOMContentLoaded', () => {
  mermaid.initialize({startOnLoad: false, theme: 'default', themeVariables: {fontSize: '14px'}, flowchart: {useMaxWidth: false}});
  mermaid.run({querySelector: '.jp-Mermaid > pre.mermaid'});
});
</script>
{%- endif -%}
{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_css -%}
<link rel="icon" href="data:,">
<link rel="stylesheet" href="_static/site.css">
<link rel="stylesheet" href="_static/styles.css">
{%- endblock html_head_css -%}
{%- block body_header -%}
<body class="jp-Notebook usp-page" data-jp-theme-light="true" data-jp-theme-name="JupyterLab Light">
<div class="usp-layout">
<nav class="usp-sidebar" aria-label="chapters">{{ resources.usp.sidebar }}</nav>
<main class="usp-main">
<header class="usp-title">
<h1 class="title">{{ resources.usp.title | e }}</h1>
{%- if resources.usp.description %}
<p class="description">{{ resources.usp.description | e }}</p>
{%- endif %}
</header>
{%- endblock body_header -%}
{% block body_footer %}
</main>
</div>
</body>
{% endblock body_footer %}
'''

SITE_CSS = '''/* the offline docs preview (tools/docs_site.py): a Quarto-like page around nbconvert's lab template */
body.usp-page { margin: 0; padding: 0; background: #fff; }
.usp-layout { display: flex; align-items: flex-start; }
nav.usp-sidebar { position: sticky; top: 0; flex: none; width: 15rem; height: 100vh; overflow-y: auto; box-sizing: border-box;
  padding: 1rem .75rem; border-right: 1px solid #dee2e6; background: #f8f9fa; font: 14px/1.45 system-ui, sans-serif; }
nav.usp-sidebar .site { display: block; font-size: 1.2rem; font-weight: 600; margin: 0 0 .75rem .4rem; color: #2780e3; text-decoration: none; }
nav.usp-sidebar a.page { display: block; padding: .15rem .4rem; border-radius: 4px; color: #343a40; text-decoration: none; }
nav.usp-sidebar a.page:hover { background: #e9ecef; }
nav.usp-sidebar a.page.active { background: #2780e3; color: #fff; }
nav.usp-sidebar .failed { color: #b00; }
main.usp-main { flex: 1; min-width: 0; max-width: 62rem; padding: 1rem 2rem 4rem; }
header.usp-title { margin: .5rem 0 1.5rem; padding-left: 5px; }
header.usp-title h1.title { font: 600 2.1rem/1.2 system-ui, sans-serif; margin: .5rem 0 .4rem; color: #212529; }
header.usp-title p.description { font: 1.1rem/1.5 system-ui, sans-serif; color: #5a6570; margin: 0; }
/* a figure is never drawn wider than its pixels (or its stated width): no blurry upscaling */
.jp-OutputArea-output img, .jp-RenderedImage img { max-width: 100%; height: auto; }
.jp-Mermaid { overflow-x: auto; }
.jp-Mermaid svg { max-width: none !important; }   /* a wide diagram scrolls at its natural size instead of shrinking to unreadable */
.jp-Mermaid pre.mermaid { background: none; border: 0; margin: 0; }
.jp-RenderedHTMLCommon pre a code, .highlight pre a code { color: #2780e3; background: none; padding: 0; }
'''

def sidebar(pages:list, current:str) -> str:
    "The chapter list (sidebar.yml order) with the current page marked."
    items = ''.join(f'<a class="page{" active" if p["page"] == current else ""}" href="{p["page"]}">'
                    f'{html.escape(p["title"])}{" <span class=failed>(failed)</span>" if p["error"] else ""}</a>' for p in pages)
    return f'<a class="site" href="index.html">usp_nb</a>{items}'

def exporter():
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter
    from traitlets.config import Config
    c = Config()
    c.HTMLExporter.embed_images = True            # markdown images as data URIs too: every page stands alone
    c.HTMLExporter.exclude_input_prompt = c.HTMLExporter.exclude_output_prompt = True
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_input_tags = {'remove_input'}
    return HTMLExporter(config=c, template_name='lab', template_file='usp_page.html.j2', extra_loaders=[DictLoader({'usp_page.html.j2': TEMPLATE})])

def render_page(exp, nb, meta:dict, page:str, pages:list, site:str) -> str:
    "One processed notebook as a page of the site."
    apply_cell_options(nb); widget_outputs(nb); outputs_as_quarto(nb)
    nb.metadata['title'] = f'{meta.get("title", page)} – usp_nb'
    res = {'metadata': {'path': str(PROC)}, 'usp': dict(title=meta.get('title', page), description=meta.get('description', ''),
           sidebar=sidebar(pages, page), math=has_math(nb), mermaid=has_mermaid(nb))}
    body, _ = exp.from_notebook_node(nb, resources=res)
    return notebook_links(local_links(pandoc_ids(body), site), pages)

def error_page(src:Path, err:str, pages:list, page:str) -> str:
    return (f'<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(src.name)}: docs processing failed</title>'
            '<link rel="stylesheet" href="_static/site.css"></head><body class="usp-page"><div class="usp-layout">'
            f'<nav class="usp-sidebar">{sidebar(pages, page)}</nav><main class="usp-main"><header class="usp-title">'
            f'<h1 class="title">{html.escape(src.name)}: docs processing failed</h1></header><pre>{html.escape(err)}</pre>'
            '<p>nbdev executes exported cells, show_doc cells and every cell holding an import while building the docs; '
            'keep imports in import-only cells.</p></main></div></body></html>\n')

def list_page(pages:list) -> str:
    return ('<!doctype html><html><head><meta charset="utf-8"><title>usp_nb docs (partial preview)</title>'
            '<link rel="stylesheet" href="_static/site.css"></head><body class="usp-page"><div class="usp-layout">'
            f'<nav class="usp-sidebar">{sidebar(pages, "index.html")}</nav><main class="usp-main"><header class="usp-title">'
            '<h1 class="title">usp_nb docs (partial preview)</h1><p class="description">only the chapters in the sidebar were built</p>'
            '</header></main></div></body></html>\n')

# ---------------------------------------------------------------- the site

def notebooks(names:list) -> list[Path]:
    "The notebooks to render, in sidebar.yml's order (others after), or only `names`."
    import yaml
    srcs = {p.stem: p for p in NBS.glob('*.ipynb') if not p.name.startswith(('_', '.'))}
    unknown = sorted(set(names) - set(srcs))
    if unknown: sys.exit(f'no notebooks named {unknown} in {NBS}/ (give stems such as 04_masking)')
    sb = NBS/'sidebar.yml'
    order = [Path(s).stem for s in (yaml.safe_load(sb.read_text())['website']['sidebar']['contents'] if sb.exists() else [])]
    stems = [s for s in order if s in srcs] + sorted(set(srcs) - set(order))
    return [srcs[s] for s in stems if not names or s in names]

def source_meta(src:Path) -> dict:
    "Title, description and page name as nbdev's front matter makes them: `# title`, `> summary`, `default_exp` (for a page that fails processing)."
    import nbformat
    nb = nbformat.read(src, as_version=4)
    first = next((c.source for c in nb.cells if c.cell_type == 'markdown'), '')
    exp = next((m.group(1) for c in nb.cells if c.cell_type == 'code' for m in [re.search(r'^#\|\s*default_exp\s+(\S+)', c.source, re.M)] if m), None)
    return {'title': next((l[2:].strip() for l in first.splitlines() if l.startswith('# ')), src.stem),
            'description': next((l[1:].strip() for l in first.splitlines() if l.startswith('>')), ''),
            'output-file': 'index.html' if src.stem == 'index' else f'{exp or src.stem}.html'}

def site_url() -> str:
    from configparser import ConfigParser
    cfg = ConfigParser(); cfg.read(ROOT/'settings.ini')
    d = cfg['DEFAULT']
    return f"{d.get('doc_host', '').rstrip('/')}/{d.get('doc_baseurl', '').strip('/')}/" if d.get('doc_host') else ''

def build(out:Path, names:list) -> int:
    import nbformat
    t0 = time.time()
    srcs = notebooks(names)
    PROC.mkdir(exist_ok=True)
    with ThreadPoolExecutor(2) as ex: errors = list(ex.map(process, srcs))
    for f in list(out.glob('*.html')) + [out/'pages.json']: f.unlink(missing_ok=True)
    (out/'_static').mkdir(parents=True, exist_ok=True)
    (out/'_static'/'site.css').write_text(SITE_CSS)
    shutil.copy2(NBS/'styles.css', out/'_static'/'styles.css')
    have = vendor(out)
    pages, nbs = [], []
    for src, err in zip(srcs, errors):
        nb = None if err else nbformat.read(PROC/src.name, as_version=4)
        meta = {**source_meta(src), **(front_matter(nb) if nb is not None else {})}
        page = meta['output-file']
        pages.append(dict(page=page, notebook=src.name, title=meta['title'], description=meta.get('description', ''), error=err))
        nbs.append((nb, meta))
    if not any(p['page'] == 'index.html' for p in pages): pages.insert(0, dict(page='index.html', notebook=None, title='usp_nb', description='', error=None))
    exp, site = exporter(), site_url()
    for p, (nb, meta) in zip([p for p in pages if p['notebook']], nbs):
        if nb is None: text = error_page(NBS/p['notebook'], p['error'], pages, p['page'])
        else:
            p.update(math=has_math(nb), mermaid=has_mermaid(nb))
            missing = (({'mermaid.min.js'} if p['mermaid'] else set()) | ({'tex-svg-full.js'} if p['math'] else set())) - have
            if missing: log(f'WARNING: {p["notebook"]}: {sorted(missing)} not vendored; its diagrams/math show as text')
            text = render_page(exp, nb, meta, p['page'], pages, site)
        (out/p['page']).write_text(text, encoding='utf-8')
        print(f'{p["notebook"]} -> {out/p["page"]}' + (' (processing FAILED)' if p['error'] else ''))
        if p['error']: log(f'FAILED {p["notebook"]}: {p["error"]}')
    if pages[0]['notebook'] is None: (out/'index.html').write_text(list_page(pages), encoding='utf-8')   # a build without nbs/index.ipynb
    fix_anchors(out, pages)
    (out/'pages.json').write_text(json.dumps(pages, indent=1))
    failed = [p['notebook'] for p in pages if p['error']]
    print(f'{len(pages)} pages in {time.time() - t0:.0f} s; open {out/"index.html"}' + (f'; FAILED: {failed}' if failed else ''))
    return 1 if failed else 0

if __name__ == '__main__':
    sys.exit(build(Path(sys.argv[1]), [Path(a).stem for a in sys.argv[2:]]))
