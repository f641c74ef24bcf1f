"""The docs as a reader meets them: build the offline site (tools/docs_preview.sh, nbdev's processing of every notebook
and the Quarto-like rendering) and open every page in Chromium (tools/browser/check_docs.py: no failed or off-site
request, titles, no raw YAML, widget pictures, mermaid, math, images not upscaled, links, two screenshots looked at).
Runs with the `browser` test flag (USP_TEST_FLAGS; on by default), from tools/test.sh."""
import os, subprocess, sys, time
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT/'_docs_preview'

def _wanted() -> bool: return 'browser' in os.environ.get('USP_TEST_FLAGS', 'slow slurm browser').split()

@pytest.mark.skipif(not _wanted(), reason='USP_TEST_FLAGS lacks browser')
def test_docs_in_browser():
    t0 = time.time()
    b = subprocess.run(['bash', str(ROOT/'tools/docs_preview.sh'), '--out', str(SITE)], cwd=ROOT, capture_output=True, text=True, timeout=1800)
    sys.stdout.write(b.stdout[-4000:]); sys.stderr.write(b.stderr[-6000:])
    built = time.time() - t0
    assert (SITE/'pages.json').exists(), f'the docs build wrote no site (exit {b.returncode}); see its output above'
    c = subprocess.run([sys.executable, str(ROOT/'tools/browser/check_docs.py'), str(SITE)], cwd=ROOT, capture_output=True, text=True, timeout=900)
    sys.stdout.write(c.stdout[-4000:]); sys.stderr.write(c.stderr[-12000:])
    print(f'docs built in {built:.0f} s, checked in {time.time() - t0 - built:.0f} s')
    assert b.returncode == 0, f'a notebook failed nbdev\'s docs processing (FAILED lines above; exit {b.returncode})'
    assert c.returncode == 0, 'the docs check found problems (PROBLEM lines above); screenshots in artifacts/screenshots/docs/'
