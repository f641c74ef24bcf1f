"""The shell tools as a shell calls them: tools/env.sh's checks before it installs anything, and the notebook runner's
temp folders (tools/test_notebooks.py). Run by tools/test.sh beside the notebooks; seconds."""
import json, os, subprocess, sys, tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT/'tools'))
import test_notebooks as runner
from test_notebooks import tree_bytes

def _bash(script, **env):
    return subprocess.run(['bash', '-c', script], cwd=ROOT, capture_output=True, text=True, timeout=300, env={**os.environ, **env})

def test_disk_check_is_one_line():
    "More GiB asked for than the file system has: exit 1, one line that says how much is free, what needs it and what to do."
    r = _bash('source tools/env.sh >/dev/null; usp_need_disk / 1000000 "the thing"')
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 1 and len(lines) == 1, (r.returncode, r.stderr)
    assert lines[0].startswith('[usp_nb] only ') and 'the thing needs about 1000000 GiB' in lines[0] and 'free some space' in lines[0]
    ok = _bash('source tools/env.sh >/dev/null; usp_need_disk / 0.001 "the thing" && echo fine')
    assert ok.returncode == 0 and ok.stdout.strip().endswith('fine') and ok.stderr == '', ok.stderr

def test_bad_extras_are_refused_before_installing():
    r = _bash('source tools/env.sh', USP_VENV_EXTRAS='everything')
    assert r.returncode == 1 and r.stderr.strip() == "[usp_nb] USP_VENV_EXTRAS is 'everything'; use dev or run", r.stderr

def test_tree_bytes_counts_files_not_links():
    with tempfile.TemporaryDirectory() as t:
        t = Path(t); (t/'a').mkdir(); (t/'a'/'x').write_bytes(b'1' * 1000); (t/'y').write_bytes(b'2' * 24)
        big = t/'elsewhere'; big.write_bytes(b'3' * 5000); (t/'a'/'link').symlink_to(big)
        assert tree_bytes(t/'a') == 1000 + len(str(big)) and tree_bytes(t) == 1000 + 24 + 5000 + len(str(big))

def test_notebook_gets_its_own_temp_folder_removed_after(tmp_path, capsys):
    "A notebook that writes 3 MB into tempfile's folder: that folder is the runner's own, measured, then gone."
    seen = tmp_path/'seen.txt'
    cell = (f"import tempfile, pathlib\nt = tempfile.gettempdir()\n(pathlib.Path(t)/'junk.bin').write_bytes(b'0' * 3_000_000)\n"
            f"pathlib.Path({str(seen)!r}).write_text(t)")
    nb = tmp_path/'probe.ipynb'
    nb.write_text(json.dumps({'cells': [{'cell_type': 'code', 'execution_count': None, 'id': 'c0', 'metadata': {}, 'outputs': [], 'source': cell}],
                              'metadata': {}, 'nbformat': 4, 'nbformat_minor': 5}))
    runner.test_notebook(nb)
    t = Path(seen.read_text())
    assert t.name.startswith('usp-test-probe-') and t.parent == Path(tempfile.gettempdir()) and not t.exists(), t
    assert 'probe.ipynb: 3 MB left in its temp folder (removed)' in capsys.readouterr().out
