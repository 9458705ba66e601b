"""Shared fixtures for the browser tests (tests/test_browser.py).

* ``built_site``: the site built once per test session, with the project's own ``mkdocs.yml``
  (``strict``), from a corpus made of the seed snapshot ``tests/fixtures/atlas/corpus/*.txt`` plus
  ``tests/fixtures/hostile/*.txt`` (titles and abstracts that are HTML, Jinja and Markdown).
* ``site_server``: that site served on 127.0.0.1 by a threaded ``http.server``.
* ``browser``: Debian's ``/usr/bin/chromium`` driven by the Python ``playwright`` package.
  Playwright's own browser downloads are never used (no ``playwright install``).
* ``open_page``: opens a URL in a fresh context that records console errors, page errors,
  failed requests, HTTP errors, dialogs and every request URL; requests to any host but
  127.0.0.1 are aborted and recorded.

Outside CI a missing chromium, playwright or node_modules skips the browser tests; with
``CI`` set (or ``PAPER_ATLAS_REQUIRE_BROWSER=1``) it fails them, so a CI machine that lacks
an install step cannot pass silently. Install chromium with ``.ci/install-browser.sh``.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
ATLAS_CORPUS = ROOT / "tests" / "fixtures" / "atlas" / "corpus"  # the seed corpus snapshot
HOSTILE_DIR = ROOT / "tests" / "fixtures" / "hostile"
ARTIFACTS = ROOT / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HOST = "127.0.0.1"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}


def strict_environment() -> bool:
    return bool(os.environ.get("CI")) or os.environ.get("PAPER_ATLAS_REQUIRE_BROWSER") == "1"


def require(ok: bool, reason: str) -> None:
    """Skip when a browser-test prerequisite is missing; fail instead under CI."""
    if ok:
        return
    if strict_environment():
        pytest.fail(f"{reason} (required under CI; see .ci/install-browser.sh and `npm ci --ignore-scripts`)")
    pytest.skip(reason)


# --------------------------------------------------------------------------- the site


@dataclass(frozen=True)
class BuiltSite:
    root: Path  # the built site (mkdocs site_dir)
    corpus: Path  # the corpus it was built from
    papers: list[dict[str, Any]]  # papers.json records

    def paper(self, title: str) -> dict[str, Any]:
        for p in self.papers:
            if p["title"] == title:
                return p
        raise KeyError(title)

    @property
    def hostile_papers(self) -> list[dict[str, Any]]:
        hostile = set(hostile_collection_ids())
        return [p for p in self.papers if hostile & set(p["collections"])]


def hostile_collection_ids() -> list[str]:
    from generator.ingest.corpus import collection_id

    return [collection_id(p.stem) for p in sorted(HOSTILE_DIR.glob("*.txt"))]


def build_site(workdir: Path, site_url: str) -> BuiltSite:
    """Build with the repository's mkdocs.yml (strict), the corpus swapped for the seed snapshot + hostile."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    corpus = workdir / "corpus"
    corpus.mkdir()
    for src in sorted(ATLAS_CORPUS.iterdir()):
        if src.is_file():
            shutil.copy2(src, corpus / src.name)
    for src in sorted(HOSTILE_DIR.glob("*.txt")):
        assert not (corpus / src.name).exists(), f"hostile fixture {src.name} shadows a corpus file"
        shutil.copy2(src, corpus / src.name)
    site = workdir / "site"
    config = load_config(
        config_file=str(ROOT / "mkdocs.yml"), strict=True, site_dir=str(site), site_url=site_url
    )
    config.plugins["paper-atlas"].config["corpus"] = str(corpus)
    build(config)
    records = json.loads((site / "papers.json").read_text(encoding="utf-8"))
    papers = records["papers"] if isinstance(records, dict) else records
    return BuiltSite(site, corpus, papers)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class SiteServer:
    url: str  # http://127.0.0.1:PORT/
    site: BuiltSite

    def at(self, path: str) -> str:
        return urljoin(self.url, path.lstrip("/"))


@pytest.fixture(scope="session")
def site_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SiteServer]:
    workdir = tmp_path_factory.mktemp("browser-site")
    # Bind first, so the site is built with site_url pointing at the server (canonical links, feed).
    handler = functools.partial(_QuietHandler, directory=str(workdir / "site"))
    server = http.server.ThreadingHTTPServer((HOST, 0), handler)
    server.daemon_threads = True
    url = f"http://{HOST}:{server.server_address[1]}/"
    try:
        site = build_site(workdir, url)
    except BaseException:
        server.server_close()
        raise
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield SiteServer(url, site)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# --------------------------------------------------------------------------- the browser


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    require(Path(CHROMIUM).is_file(), f"{CHROMIUM} not found")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require(False, "the playwright package is not installed (pip install -r requirements-dev.txt)")
        raise
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@dataclass
class PageLog:
    """What happened while a page was open."""

    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)  # requests to another host, aborted
    failed: list[str] = field(default_factory=list)  # network failures and HTTP >= 400
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return (
            [f"request to another host: {u}" for u in self.blocked]
            + [f"failed request: {u}" for u in self.failed]
            + [f"console error: {m}" for m in self.console_errors]
            + [f"page error: {m}" for m in self.page_errors]
            + [f"dialog: {m}" for m in self.dialogs]
        )


def _local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    return parts.scheme in ("http", "https") and parts.hostname == HOST


@dataclass
class OpenedPage:
    page: Any  # playwright Page
    log: PageLog


@pytest.fixture
def open_page(browser: Any, site_server: SiteServer) -> Iterator[Callable[..., OpenedPage]]:
    """``open_page(path, viewport=DESKTOP, color_scheme="light", touch=False)``: a fresh, watched
    context + page (``touch``: a touch screen, as a phone's)."""
    contexts: list[Any] = []

    def _open(
        path: str, viewport: dict[str, int] | None = None, color_scheme: str = "light", touch: bool = False
    ) -> OpenedPage:
        log = PageLog()
        context = browser.new_context(
            viewport=viewport or DESKTOP, color_scheme=color_scheme, service_workers="block", has_touch=touch
        )
        contexts.append(context)

        def route(r: Any) -> None:
            if _local(r.request.url):
                r.continue_()
            else:
                log.blocked.append(r.request.url)
                r.abort("blockedbyclient")

        context.route("**/*", route)
        context.on("request", lambda req: log.requests.append(req.url))
        context.on(
            "requestfailed",
            lambda req: None if req.url in log.blocked else log.failed.append(f"{req.url} ({req.failure})"),
        )
        context.on(
            "response",
            lambda res: log.failed.append(f"{res.url} (HTTP {res.status})") if res.status >= 400 else None,
        )
        page = context.new_page()
        page.on("console", lambda msg: log.console_errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: log.page_errors.append(str(exc)))

        def on_dialog(dialog: Any) -> None:
            log.dialogs.append(f"{dialog.type}: {dialog.message}")
            with contextlib.suppress(Exception):
                dialog.dismiss()

        page.on("dialog", on_dialog)
        page.goto(site_server.at(path), wait_until="networkidle")
        return OpenedPage(page, log)

    yield _open
    for c in contexts:
        with contextlib.suppress(Exception):
            c.close()


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    out = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(out), full_page=False)
    return out
