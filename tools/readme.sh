#!/usr/bin/env bash
# Render nbs/index.ipynb to README.md without Quarto (nbdev_readme needs Quarto, which these machines lack).
set -euo pipefail
cd "$(dirname "$0")/.."
source tools/env.sh
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
jupyter nbconvert --to markdown --log-level WARN --output-dir "$tmp" --output index nbs/index.ipynb
python - "$tmp/index.md" > README.md <<'PY'
import re, sys
text = open(sys.argv[1]).read()
m = re.match(r'# (.+)\n\n> (.+?)\n', text)                        # nbdev's title + summary -> heading + paragraph
if m: text = f'# {m.group(1)}\n\n{m.group(2)}\n' + text[m.end():]
sys.stdout.write('<!-- generated from nbs/index.ipynb by tools/readme.sh: edit the notebook, not this file -->\n\n' + text)
PY
echo "README.md written from nbs/index.ipynb"
