"""Real-browser check of the workbench (run by the `#| browser` cell of nbs/16_widgets.ipynb): JupyterLab on 127.0.0.1
(temporary root, token) opens a small notebook that builds `usp_nb.widgets.masking_explorer`, runs it from the Run menu,
waits for the explorer's picture, moves the mask-ratio slider with the keyboard and checks that the picture changed
(pixels of the widget's image), and that the busy label showed while it re-rendered. The docs pages are checked by
tools/browser/check_docs.py.

Uses the system Chromium (/usr/bin/chromium, Debian's `chromium` package) through the `playwright` Python package; never
downloads a browser. Screenshots go to --out (default artifacts/screenshots/).

    python tools/browser/check_widgets.py [--out artifacts/screenshots]
"""
import argparse, io, json, os, secrets, shutil, signal, socket, subprocess, sys, tempfile, time, urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = '/usr/bin/chromium'
CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                 '--disable-background-networking', '--disable-component-update', '--disable-sync']
DEMO_SOURCE = ('from usp_nb.widgets import masking_explorer\n'
               'ex = masking_explorer(mask_ratio=0.5, dpi=80)  # random init: no checkpoint\n'
               'ex')

BUSY_WATCH = '''() => { window.__uspBusySeen = false;
  new MutationObserver(() => { if (Array.from(document.querySelectorAll('.widget-html')).some(e => e.innerText.includes('rendering')))
    window.__uspBusySeen = true; }).observe(document.body, {subtree: true, childList: true, characterData: true}); }'''

def log(*a): print(f'[{time.strftime("%H:%M:%S")}]', *a, flush=True)

def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def demo_notebook(path:Path):
    "A one-cell notebook that builds the masking explorer."
    nb = {'cells': [{'cell_type': 'code', 'execution_count': None, 'id': 'demo', 'metadata': {}, 'outputs': [], 'source': DEMO_SOURCE}],
          'metadata': {'kernelspec': {'name': 'python3', 'display_name': 'Python 3 (ipykernel)', 'language': 'python'}},
          'nbformat': 4, 'nbformat_minor': 5}
    path.write_text(json.dumps(nb))

def stop_process(p:subprocess.Popen, name:str):
    "SIGTERM the process group we started (the server and its kernels), SIGKILL after 15 s."
    if p.poll() is not None: return
    try:
        os.killpg(p.pid, signal.SIGTERM)
        p.wait(15)
    except (subprocess.TimeoutExpired, ProcessLookupError):
        try: os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError: pass
        p.wait(5)
    log(f'{name} stopped')

@contextmanager
def jupyter_lab(root:Path, timeout:float=120):
    "JupyterLab serving `root` on 127.0.0.1 with a token; yields (base_url, token); always torn down."
    port, token = free_port(), secrets.token_hex(16)
    conf = Path(tempfile.mkdtemp(prefix='usp-jlab-conf-'))
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(conf/'config'), JUPYTER_RUNTIME_DIR=str(conf/'runtime'),
               JUPYTERLAB_WORKSPACES_DIR=str(conf/'workspaces'), JUPYTERLAB_SETTINGS_DIR=str(conf/'settings'),
               OMP_NUM_THREADS='1', PYTHONUNBUFFERED='1')
    cmd = [sys.executable, '-m', 'jupyterlab', '--ip=127.0.0.1', f'--port={port}', '--port-retries=0', '--allow-root',
           '--ServerApp.open_browser=False', f'--IdentityProvider.token={token}', f'--ServerApp.root_dir={root}',
           '--LabApp.news_url=None', '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate']
    logf = open(conf/'server.log', 'w')
    p = subprocess.Popen(cmd, cwd=root, env=env, stdout=logf, stderr=subprocess.STDOUT, start_new_session=True)
    base = f'http://127.0.0.1:{port}'
    try:
        t0 = time.time()
        while True:
            if p.poll() is not None: raise RuntimeError(f'JupyterLab exited with {p.returncode}: {(conf/"server.log").read_text()[-2000:]}')
            try:
                with urllib.request.urlopen(f'{base}/api/status?token={token}', timeout=2) as r:
                    if r.status == 200: break
            except OSError: pass
            if time.time() - t0 > timeout: raise TimeoutError(f'JupyterLab did not answer on {base} within {timeout:.0f} s')
            time.sleep(0.5)
        log(f'JupyterLab up on {base} in {time.time() - t0:.1f} s')
        yield base, token
    finally:
        stop_process(p, 'JupyterLab'); logf.close()
        shutil.rmtree(conf, ignore_errors=True)

@contextmanager
def chromium():
    "Headless system Chromium via Playwright; yields a browser; always closed."
    from playwright.sync_api import sync_playwright
    if not Path(CHROMIUM).exists():
        raise FileNotFoundError(f'{CHROMIUM} not found; install Debian\'s chromium (apt-get install -y chromium) - no browser downloads')
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, timeout=60_000)
        try: yield b
        finally: b.close()

def pixels(png:bytes):
    import numpy as np
    from PIL import Image
    return np.asarray(Image.open(io.BytesIO(png)).convert('RGB'))

def check_masking_explorer(browser, out:Path, timeout_s:float=float(os.environ.get('USP_BROWSER_TIMEOUT', 240))) -> dict:
    "Run the demo notebook in JupyterLab, move the mask-ratio slider, check the widget picture changes."
    work = Path(tempfile.mkdtemp(prefix='usp-jlab-root-'))
    demo_notebook(work/'masking_demo.ipynb')
    res = {}
    try:
        with jupyter_lab(work) as (base, token):
            page = browser.new_page(viewport={'width': 1280, 'height': 900})
            page.set_default_timeout(60_000)
            t0 = time.time()
            page.goto(f'{base}/lab/tree/masking_demo.ipynb?token={token}', wait_until='domcontentloaded')
            page.wait_for_selector('.jp-Notebook .jp-Cell', timeout=90_000)
            try:                                              # JupyterLab may ask which kernel to start
                page.locator('.jp-Dialog button.jp-mod-accept').click(timeout=15_000); log('kernel dialog: Select')
            except Exception: pass
            page.get_by_text('| Idle').first.wait_for(timeout=90_000)   # the status bar: "Python 3 (ipykernel) | Idle"
            log(f'notebook open, kernel idle, in {time.time() - t0:.1f} s')
            page.get_by_role('menuitem', name='Run', exact=True).click()
            page.get_by_role('menuitem', name='Run All Cells', exact=True).click()
            log('Run > Run All Cells clicked')
            try: page.get_by_role('button', name='No', exact=True).click(timeout=3_000)   # the "Jupyter news?" toast
            except Exception: pass
            img = page.locator('.jp-OutputArea-output img.widget-image').first
            try: img.wait_for(state='visible', timeout=timeout_s * 1000)
            except Exception:
                page.screenshot(path=str(out/'masking_explorer_failure.png'))
                outs = page.locator('.jp-OutputArea').all_inner_texts()
                raise AssertionError(f'no explorer picture after {timeout_s:.0f} s; output area: {outs}; see {out/"masking_explorer_failure.png"}') from None
            page.wait_for_function('el => el.complete && el.naturalWidth > 0', arg=img.element_handle(), timeout=60_000)
            res['first_image_s'] = round(time.time() - t0, 1)
            log(f'explorer picture shown after {res["first_image_s"]} s')
            page.screenshot(path=str(out/'masking_explorer_lab.png'))
            before = img.screenshot(path=str(out/'masking_explorer_before.png'))
            src0 = img.get_attribute('src')
            readout = page.locator('.widget-slider .widget-readout').first
            r0 = readout.inner_text()
            page.evaluate(BUSY_WATCH)                                   # the busy label must reach the page while it renders
            handle = page.locator('.widget-slider .noUi-handle').first
            handle.focus()
            for _ in range(5): page.keyboard.press('ArrowRight')       # +5 steps of 0.05
            page.wait_for_function('([el, s]) => el.getAttribute("src") !== s && el.complete && el.naturalWidth > 0',
                                   arg=[img.element_handle(), src0], timeout=60_000)
            r1 = readout.inner_text()
            # each arrow press re-renders; wait until the explorer reports the slider's final value, then for the image
            page.get_by_text(f'mask ratio {r1}').first.wait_for(timeout=60_000)
            page.get_by_text('| Idle').first.wait_for(timeout=60_000)
            page.wait_for_function('el => el.complete && el.naturalWidth > 0', arg=img.element_handle(), timeout=30_000)
            page.wait_for_timeout(500)
            after = img.screenshot(path=str(out/'masking_explorer_after.png'))
            page.screenshot(path=str(out/'masking_explorer_lab_after.png'))
            a, b = pixels(before), pixels(after)
            changed = (a != b).any(-1).sum() if a.shape == b.shape else a.size
            res.update(readout_before=r0, readout_after=r1, changed_pixels=int(changed))
            log(f'slider {r0} -> {r1}: {changed} pixels of the picture changed')
            assert r0 != r1, f'the mask-ratio readout did not move ({r0})'
            assert changed > 100, 'moving the mask-ratio slider did not change the explorer picture'
            res['busy_label_seen'] = page.evaluate('window.__uspBusySeen')
            assert res['busy_label_seen'], 'the "rendering..." busy label never showed while the explorer re-rendered'
            assert 'rendering' not in ' '.join(page.locator('.widget-html').all_inner_texts()), 'the busy label stayed after the render'
            res['render_note'] = page.locator('.widget-html').last.inner_text()
            page.close()
    finally: shutil.rmtree(work, ignore_errors=True)
    return res

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--out', default=str(ROOT/'artifacts/screenshots'), help='screenshot folder')
    a = ap.parse_args()
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    with chromium() as browser:
        log(f'chromium {browser.version}')
        report = {'lab': check_masking_explorer(browser, out)}
    report['seconds'] = round(time.time() - t0, 1)
    (out/'report.json').write_text(json.dumps(report, indent=1))
    log(f'browser check passed in {report["seconds"]} s; screenshots in {out}')

if __name__ == '__main__': main()
