"""The docs as a reader meets them, in a real browser: every page of the offline site (tools/docs_preview.sh) is opened
in headless Chromium, served from 127.0.0.1 with every other host blocked, and checked:

- no request fails, none leaves 127.0.0.1 (no CDN), no JavaScript error;
- the page's H1 and <title> are its notebook's title; no raw YAML front matter is shown;
- no widget repr text (`VBox(children=...`), no `fastcore.test` import, no raw markdown link (`[x](http...`) or Quarto
  attribute block (`{target=...}`) is shown;
- every image loads and none is drawn wider than its pixels (blurry upscaling);
- mermaid diagrams are drawn (an SVG with a size), math is typeset by MathJax (no errors);
- every link inside the site points at a page of the site and, with a #fragment, at an id on that page.

Screenshots of the index and one chapter go to --out and are looked at: not blank, and the title's box holds ink.

    python tools/browser/check_docs.py [SITE (default _docs_preview)] [--out artifacts/screenshots/docs] [--chapter widgets.html]
"""
import argparse, functools, json, re, sys, threading, time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urldefrag, urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_widgets import ROOT, chromium, log, pixels   # noqa: E402

SHOWN_BY_MISTAKE = [          # (pattern, what it is, where: the page's text or its cell outputs' text)
    (r'(?m)^---\s*$\s*^(title|description|output-file):', 'raw YAML front matter', 'text'),
    (r'(?m)^(output-file|title): \S+', 'raw YAML front matter', 'text'),
    (r'\b[A-Z]\w*\((children|layout|value|options|index|description)=', 'a widget repr instead of the widget (VBox(children=...))', 'outputs'),
    (r'fastcore\.test', 'a fastcore.test import (mark the test-import cell #| hide)', 'text'),
    (r'\]\(https?://', 'a raw markdown link', 'text'),
    (r'\{target=', 'a Quarto attribute block ({target=...})', 'text'),
]

@functools.cache
def _quiet_handler(directory:str):
    class H(SimpleHTTPRequestHandler):
        def __init__(self, *a, **kw): super().__init__(*a, directory=directory, **kw)
        def log_message(self, *a): pass
    return H

class Site:
    "The site folder served on 127.0.0.1 (a thread); `url(page)`; stopped on exit."
    def __init__(self, folder:Path):
        self.srv = ThreadingHTTPServer(('127.0.0.1', 0), _quiet_handler(str(folder)))
        self.base = f'http://127.0.0.1:{self.srv.server_address[1]}/'
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()
    def url(self, page:str) -> str: return self.base + page
    def __enter__(self): return self
    def __exit__(self, *a): self.srv.shutdown(); self.srv.server_close()

class Watch:
    "Requests that failed, were blocked (not 127.0.0.1) or got HTTP errors, and JavaScript errors, of one page."
    def __init__(self, page, base:str):
        self.problems = []
        page.route('**/*', self._route(base))
        page.on('requestfailed', lambda r: self.problems.append(f'request failed: {r.url[:120]} ({r.failure})'))
        page.on('response', lambda r: r.status >= 400 and self.problems.append(f'HTTP {r.status}: {r.url[:120]}'))
        page.on('pageerror', lambda e: self.problems.append(f'JavaScript error: {str(e)[:300]}'))
        page.on('console', lambda m: m.type == 'error' and self.problems.append(f'console error: {m.text[:300]}'))
    def _route(self, base):
        def handle(route):
            url = route.request.url
            if url.startswith((base, 'data:', 'blob:')): return route.continue_()
            self.problems.append(f'blocked request off the site (a CDN?): {url[:120]}'); route.abort()
        return handle
    def take(self) -> list:
        p, self.problems = self.problems, []
        return p

def wait_rendered(page, p:dict):
    "Wait for the page's images, mermaid diagrams and math."
    page.wait_for_function('Array.from(document.images).every(i => i.complete)', timeout=30_000)
    if p.get('mermaid'):
        page.wait_for_function('Array.from(document.querySelectorAll(".jp-Mermaid")).every(d => d.querySelector("svg"))', timeout=30_000)
    if p.get('math'):
        page.wait_for_function('document.querySelectorAll("mjx-container").length > 0', timeout=30_000)

PAGE_FACTS = '''() => ({
  h1: Array.from(document.querySelectorAll('h1.title')).map(h => h.innerText.trim()),
  title: document.title,
  text: document.querySelector('main').innerText,
  outputs: Array.from(document.querySelectorAll('.jp-OutputArea-output')).map(o => o.innerText).join('\\n'),
  ids: Array.from(document.querySelectorAll('[id]')).map(e => e.id),
  links: Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href')),
  images: Array.from(document.images).map(i => ({src: (i.getAttribute('src') || '').slice(0, 40), natural: i.naturalWidth,
           shown: i.getBoundingClientRect().width})),
  mermaid: Array.from(document.querySelectorAll('.jp-Mermaid')).map(d => {
           const s = d.querySelector('svg'); const r = s ? s.getBoundingClientRect() : {width: 0, height: 0};
           return {w: r.width, h: r.height, error: /Syntax error/i.test(d.innerText)}; }),
  math: document.querySelectorAll('mjx-container').length,
  math_errors: document.querySelectorAll('mjx-merror, [data-mjx-error]').length,
})'''

def page_problems(p:dict, f:dict) -> list:
    "What is wrong with one page, from its facts `f` (PAGE_FACTS) and its entry `p` in pages.json."
    bad = []
    if p.get('error'): bad.append(f'nbdev could not process {p["notebook"]}: {p["error"]}')
    if f['h1'] != [p['title']]: bad.append(f'H1 {f["h1"]} is not the title {p["title"]!r}')
    if p['title'] not in f['title']: bad.append(f'<title> {f["title"]!r} lacks {p["title"]!r}')
    for pat, what, where in SHOWN_BY_MISTAKE:
        m = re.search(pat, f[where])
        if m: bad.append(f'shows {what}: ...{f[where][max(0, m.start() - 60):m.end() + 60]!r}...')
    for i in f['images']:
        if i['natural'] == 0: bad.append(f'image does not load: {i["src"]}')
        elif i['shown'] > i['natural'] + 1: bad.append(f'image drawn {i["shown"]:.0f} px wide from {i["natural"]} px (blurry): {i["src"]}')
    for d in f['mermaid']:
        if d['error'] or d['w'] < 50 or d['h'] < 20: bad.append(f'mermaid diagram not drawn ({d})')
    if p.get('math') and (f['math'] == 0 or f['math_errors']): bad.append(f'math not typeset: {f["math"]} formulas, {f["math_errors"]} errors')
    return bad

def link_problems(facts:dict, base:str) -> list:
    "Links inside the site that point at a missing page or a missing #id."
    bad = []
    for page, f in facts.items():
        for href in f['links']:
            u = urlparse(href)
            if u.scheme or href.startswith('//'): continue                  # elsewhere on the web: not loaded
            target, frag = urldefrag(href)
            target = target or page
            if target not in facts: bad.append(f'{page}: link to a page that is not in the site: {href}')
            elif frag and frag not in facts[target]['ids']: bad.append(f'{page}: link to a missing anchor: {href}')
    return bad

def look_at(png:bytes, box:dict|None, what:str) -> list:
    "A screenshot is not blank, and the title's box holds dark pixels (text)."
    import numpy as np
    a = pixels(png).astype(int)
    bad = []
    ink = (np.abs(a - a[0, -1]).sum(-1) > 60).mean()              # pixels unlike the top-right corner (the background)
    if ink < 0.02 or a.std() < 10: bad.append(f'{what}: the screenshot looks blank (ink {ink:.3f}, std {a.std():.1f})')
    if box is None: bad.append(f'{what}: no title on screen')
    else:
        y0, y1, x0, x1 = int(box['y']), int(box['y'] + box['height']), int(box['x']), int(box['x'] + box['width'])
        region = a[max(y0, 0):y1, max(x0, 0):x1]
        dark = (region.sum(-1) < 300).mean() if region.size else 0.0
        if dark < 0.01: bad.append(f'{what}: the title box {box} holds no text (dark fraction {dark:.4f})')
    return bad

def screenshots(page, site:Site, p:dict, out:Path) -> list:
    "Screenshot the top of a page (and its first figure or diagram) and look at them."
    page.goto(site.url(p['page']), wait_until='load'); wait_rendered(page, p)
    name = Path(p['page']).stem
    png = page.screenshot(path=str(out/f'{name}.png'))
    bad = look_at(png, page.locator('h1.title').bounding_box(), f'{name}.png')
    fig = page.locator('.jp-Mermaid svg, .jp-OutputArea-output img').first
    if fig.count():
        fig.scroll_into_view_if_needed()
        shot = fig.screenshot(path=str(out/f'{name}_figure.png'))
        a = pixels(shot)
        if a.std() < 10: bad.append(f'{name}_figure.png looks blank (std {a.std():.1f})')
    return bad

def check_site(folder:Path, out:Path, chapter:str) -> dict:
    pages = json.loads((folder/'pages.json').read_text())
    out.mkdir(parents=True, exist_ok=True)
    facts, problems, report = {}, [], {}
    with Site(folder) as site, chromium() as browser:
        log(f'chromium {browser.version}; serving {folder} on {site.base}')
        page = browser.new_page(viewport={'width': 1280, 'height': 900})
        page.set_default_timeout(60_000)
        watch = Watch(page, site.base)
        for p in pages:
            t0 = time.time()
            try:
                page.goto(site.url(p['page']), wait_until='load'); wait_rendered(page, p)
                page.wait_for_timeout(200)
                f = page.evaluate(PAGE_FACTS)
                bad = page_problems(p, f)
            except Exception as e: f, bad = {'links': [], 'ids': [], 'images': [], 'mermaid': [], 'math': 0}, [f'did not render: {e}']
            bad += watch.take()
            facts[p['page']] = f
            report[p['page']] = dict(images=len(f['images']), diagrams=len(f['mermaid']), math=f['math'], links=len(f['links']),
                                     seconds=round(time.time() - t0, 1), problems=bad)
            problems += [f'{p["page"]}: {b}' for b in bad]
            log(f'{p["page"]}: {len(f["images"])} images, {len(f["mermaid"])} diagrams, {f["math"]} formulas, '
                f'{len(f["links"])} links' + (f'; {len(bad)} PROBLEMS' if bad else '; ok'))
        problems += link_problems(facts, site.base)
        shots = [p for p in pages if p['page'] in ('index.html', chapter)]
        for p in shots: problems += screenshots(page, site, p, out)
        problems += [f'screenshots: {x}' for x in watch.take()]
        page.close()
    (out/'report.json').write_text(json.dumps(report, indent=1))
    return dict(pages=len(pages), problems=problems, screenshots=[str(out/f'{Path(p["page"]).stem}.png') for p in shots])

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('site', nargs='?', default=str(ROOT/'_docs_preview'), help='the built site (tools/docs_preview.sh)')
    ap.add_argument('--out', default=str(ROOT/'artifacts/screenshots/docs'), help='screenshots and report.json')
    ap.add_argument('--chapter', default='widgets.html', help='the chapter to screenshot besides the index')
    a = ap.parse_args()
    folder = Path(a.site)
    if not (folder/'pages.json').exists(): sys.exit(f'{folder}/pages.json not found: build the site first (bash tools/docs_preview.sh)')
    t0 = time.time()
    r = check_site(folder, Path(a.out), a.chapter)
    for p in r['problems']: log(f'PROBLEM {p}')
    log(f'{r["pages"]} pages checked in {time.time() - t0:.0f} s, {len(r["problems"])} problems; screenshots {r["screenshots"]}')
    sys.exit(1 if r['problems'] else 0)

if __name__ == '__main__': main()
