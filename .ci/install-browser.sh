#!/usr/bin/env bash
# Install Debian's Chromium for the browser tests (tests/test_browser.py), axe-core and
# Lighthouse (.ci/check-site.sh), unless a browser is already there.
#
# The tests drive /usr/bin/chromium (or $CHROMIUM_PATH) through the Python playwright
# package; Playwright's own browser download (`playwright install`) is never used.
# Idempotent: does nothing when the browser exists. Uses sudo when not root.
#
# Usage: bash .ci/install-browser.sh
set -euo pipefail

chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"

if [ -x "$chromium" ]; then
    echo "install-browser: $("$chromium" --version 2>/dev/null || echo "$chromium") already installed"
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-browser: $chromium is missing and there is no apt-get here; install Chromium and set CHROMIUM_PATH" >&2
    exit 2
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
        echo "install-browser: not root and no sudo; cannot install chromium" >&2
        exit 2
    fi
    sudo=(sudo)
fi

echo "install-browser: installing chromium (Debian package) ..."
"${sudo[@]}" apt-get update -qq
# fonts-dejavu-core: a font for text in headless screenshots, whatever the image ships.
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null

if [ ! -x "$chromium" ]; then
    echo "install-browser: chromium installed but $chromium is not there; set CHROMIUM_PATH" >&2
    exit 1
fi
echo "install-browser: $("$chromium" --version 2>/dev/null)"
