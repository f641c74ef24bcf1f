#!/usr/bin/env bash
# The docs site offline, as Quarto would render it (Quarto cannot be installed here; the published site is built by
# .github/workflows/deploy.yaml): nbdev's processing of each notebook into _proc/, then tools/docs_site.py renders the
# pages (front matter as title and description, a sidebar, widget pictures, mermaid and MathJax from npm, no CDN).
#
#   bash tools/docs_preview.sh                                   # every notebook -> _docs_preview/ (open index.html)
#   bash tools/docs_preview.sh --out DIR 04_masking 16_widgets   # only these chapters, into DIR
#
# Exit status 1 when a notebook fails nbdev's processing (its page then shows the error; Quarto would fail on it too).
# Needs npm once, to fetch the pinned mermaid and MathJax into .cache/docs_vendor/ (git-ignored).
# Check the result in a browser: python tools/browser/check_docs.py [DIR]
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
exec python tools/docs_site.py "$OUT" "${NAMES[@]}"
