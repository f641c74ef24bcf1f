#!/usr/bin/env bash
# Render nbs/index.ipynb to README.md without Quarto (nbdev_readme needs Quarto, which these machines lack).
set -euo pipefail
cd "$(dirname "$0")/.."
source tools/env.sh
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
# cells marked `#| hide` stay out of the README, as they stay out of the docs
python - nbs/index.ipynb "$tmp/index.ipynb" <<'PY'
import json, re, sys
nb = json.load(open(sys.argv[1]))
nb['cells'] = [c for c in nb['cells'] if not re.match(r'#\|\s*hide\b', ''.join(c['source']))]
json.dump(nb, open(sys.argv[2], 'w'))
PY
jupyter nbconvert --to markdown --log-level WARN --output-dir "$tmp" --output index "$tmp/index.ipynb"
python - "$tmp/index.md" > README.md <<'PY'
import re, sys
text = open(sys.argv[1]).read()
m = re.match(r'# (.+)\n\n> (.+?)\n', text)                        # nbdev's title + summary -> heading + paragraph
if m: text = f'# {m.group(1)}\n\n{m.group(2)}\n' + text[m.end():]
sys.stdout.write('<!-- generated from nbs/index.ipynb by tools/readme.sh: edit the notebook, not this file -->\n\n' + text)
PY
echo "README.md written from nbs/index.ipynb"
