"""Generated pages: golden files, determinism, permanent URLs, and a real `mkdocs build --strict`."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

from generator.atlas import build_atlas
from generator.ingest.corpus import ListingCache
from generator.site import routes
from generator.site.exports import Exporter, write_exports
from generator.site.outputs import records_json
from generator.site.render import Renderer
from generator.site.routes import Routes

from .conftest import FIXTURES, ROOT

SITE_FIXTURE = FIXTURES / "site"
GOLDEN = SITE_FIXTURE / "golden"


SITE_URL = "https://atlas.example/"


def render_fixture(corpus: Path = SITE_FIXTURE / "corpus") -> dict[str, str]:
    """Every generated page (Markdown with front matter) and every file for other tools."""
    atlas = build_atlas(corpus, SITE_FIXTURE / "taxonomy.yml", ListingCache())
    renderer = Renderer(atlas, ROOT / "templates", site_url=SITE_URL)
    pages = {doc.src: doc.text() for doc in renderer.documents()}
    pages["papers.json"] = records_json(atlas, renderer.routes)
    exporter = Exporter(renderer.page_meta, "Paper Atlas", "An atlas.", 50)
    with tempfile.TemporaryDirectory() as tmp:
        write_exports(exporter, Path(tmp))
        for path in sorted(Path(tmp).rglob("*")):
            if path.is_file():
                pages[path.relative_to(tmp).as_posix()] = path.read_text(encoding="utf-8")
    pages["robots.txt"] = exporter.robots()
    pages["llms.txt"] = exporter.llms()
    return pages


def test_pages_match_golden(update_golden: bool) -> None:
    pages = render_fixture()
    if update_golden:
        shutil.rmtree(GOLDEN, ignore_errors=True)
        for src, content in pages.items():
            (GOLDEN / src).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / src).write_text(content, encoding="utf-8")
    golden = {
        p.relative_to(GOLDEN).as_posix(): p.read_text(encoding="utf-8")
        for p in GOLDEN.rglob("*")
        if p.is_file()
    }
    assert sorted(pages) == sorted(golden)
    for src, content in pages.items():
        assert content == golden[src], (
            f"{src} differs from its golden file (run pytest --update-golden, then review)"
        )


def test_output_is_deterministic(tmp_path: Path) -> None:
    first = render_fixture()
    # Same files, written in the opposite order into another folder: same pages, byte for byte.
    other = tmp_path / "corpus"
    other.mkdir()
    for source in sorted((SITE_FIXTURE / "corpus").iterdir(), reverse=True):
        shutil.copy(source, other / source.name)
    assert render_fixture(other) == first


def test_adding_a_file_keeps_every_url(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(SITE_FIXTURE / "corpus", corpus)
    before = {json.dumps(p) for p in _ids_and_urls(corpus)}
    (corpus / "000_new.txt").write_text(
        "A Brand New Paper About Attention\nIt arrives in a new file. Every existing paper keeps its id and its URL.\n"
        "Hopfield Layers for Tabular Data\nHopular builds on TensorNet ideas and modern Hopfield networks. It is a "
        "second copy of an existing paper, now first in file order.\n",
        encoding="utf-8",
    )
    after = {json.dumps(p) for p in _ids_and_urls(corpus)}
    assert before < after


def _ids_and_urls(corpus: Path) -> list[list[str]]:
    atlas = build_atlas(corpus, SITE_FIXTURE / "taxonomy.yml", ListingCache())
    return [[p.id, Routes().url(routes.paper(p.id))] for p in atlas.papers]


def test_corpus_text_never_becomes_markup() -> None:
    pages = render_fixture()
    hostile = next(content for src, content in pages.items() if src.startswith("papers/escaping-"))
    body = hostile.split("---\n", 2)[2]
    assert "<script>" not in body and "<img" not in body
    assert "&lt;script&gt;" in body
    # In Markdown (the title) every special character is backslash-escaped: shown, never evaluated.
    assert "\\{\\{ 7\\*7 \\}\\} in \\*titles\\* \\_too\\_" in body
    # In raw HTML blocks (abstract, lists), which Markdown passes through, text is HTML-escaped.
    abstract = (SITE_FIXTURE / "corpus" / "hostile.txt").read_text(encoding="utf-8").splitlines()[2]
    assert "{{ 7*7 }}" in abstract and "*stars*" in abstract
    assert f'\n<p class="pa-abstract">{html.escape(abstract, quote=False)}</p>\n' in body


# -- end to end: a real strict build, asserting on the HTML ---------------------------------


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.abstract: list[str] = []
        self.title_text: list[str] = []
        self.scripts_in_article = 0
        self._depth_abstract = 0
        self._in_h1 = False
        self._in_article = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "article":
            self._in_article = True
        if self._in_article and tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")
        if self._in_article and tag == "script":
            self.scripts_in_article += 1
        if tag == "p" and "pa-abstract" in (a.get("class") or "").split():
            self._depth_abstract = 1
        if tag == "h1" and self._in_article:
            self._in_h1 = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "p":
            self._depth_abstract = 0
        if tag == "h1":
            self._in_h1 = False
        if tag == "article":
            self._in_article = False

    def handle_data(self, data: str) -> None:
        if self._depth_abstract:
            self.abstract.append(data)
        if self._in_h1:
            self.title_text.append(data)


def parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def build_fixture_site(
    work: Path, directory_urls: bool = True, site_url: str | None = None, env: dict[str, str] | None = None
) -> Path:
    """``mkdocs build --strict`` of the site fixture with the project's docs, config and templates,
    into ``work/site`` (``SITE_URL`` if given; ``env`` added to the environment)."""
    shutil.copytree(ROOT / "docs", work / "docs")
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    config = config.replace("corpus: corpus", f"corpus: {SITE_FIXTURE / 'corpus'}")
    config = config.replace("taxonomy: taxonomy.yml", f"taxonomy: {SITE_FIXTURE / 'taxonomy.yml'}")
    config = config.replace("templates: templates", f"templates: {ROOT / 'templates'}")
    if not directory_urls:
        assert "use_directory_urls: true" in config
        config = config.replace("use_directory_urls: true", "use_directory_urls: false")
    (work / "mkdocs.yml").write_text(config, encoding="utf-8")
    environment = {**os.environ, "NO_MKDOCS_2_WARNING": "1", **(env or {})}
    environment.pop("SITE_URL", None)
    if site_url is not None:
        environment["SITE_URL"] = site_url
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(work / "site")],
        cwd=work,
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr, result.stderr
    return work / "site"


@pytest.fixture(scope="module")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_fixture_site(tmp_path_factory.mktemp("e2e"))


class _Targets(HTMLParser):
    """Every URL a page refers to (links, stylesheets, scripts, images) and every id it defines."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"] or "")
        for name in ("href", "src"):
            value = a.get(name)
            if value and tag in ("a", "link", "script", "img"):
                self.urls.append(value)


def _all_urls(site: Path) -> list[list[str]]:
    out = []
    for html_file in site.rglob("*.html"):
        parsed = _Targets()
        parsed.feed(html_file.read_text(encoding="utf-8"))
        out.append(parsed.urls)
    return out


def broken_links(site: Path) -> list[str]:
    """Internal links of every built page that lead to no file, or to no such anchor."""
    pages: dict[Path, _Targets] = {}
    for html_file in sorted(site.rglob("*.html")):
        parsed = _Targets()
        parsed.feed(html_file.read_text(encoding="utf-8"))
        pages[html_file] = parsed
    broken = []
    for html_file, parsed in pages.items():
        for url in parsed.urls:
            if re.match(r"^[a-z][a-z0-9+.-]*:", url, re.IGNORECASE) or url.startswith("//"):
                continue  # external (the site fetches nothing from elsewhere: the browser tests check)
            path, _, fragment = url.partition("#")
            path = path.partition("?")[0]
            # 404.html refers to the site root ("/assets/..."): the site is served at its root.
            base = site if path.startswith("/") else html_file.parent
            target = (base / path.lstrip("/")).resolve() if path else html_file
            if target.is_dir() or path.endswith("/"):
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{html_file.relative_to(site)}: {url} (no such file)")
            elif fragment and target.suffix == ".html" and fragment not in pages[target].ids:
                broken.append(f"{html_file.relative_to(site)}: {url} (no such anchor)")
    return broken


@pytest.mark.e2e
def test_every_internal_link_resolves(built_site: Path) -> None:
    assert broken_links(built_site) == []
    assert sum(len(links) for links in _all_urls(built_site)) > 500  # the check saw the links


@pytest.mark.e2e
def test_every_internal_link_resolves_with_file_urls(tmp_path: Path) -> None:
    """use_directory_urls: false puts every page in a file of its own (papers/x.html)."""
    site = build_fixture_site(tmp_path, directory_urls=False)
    assert (site / "papers").is_dir() and any(site.glob("papers/*.html"))
    assert not any(site.glob("papers/*/index.html"))
    pages = list(site.rglob("*.html"))
    assert len(pages) > 20
    assert broken_links(site) == []
    # The records and the search index point at the pages as they are.
    records = json.loads((site / "papers.json").read_text(encoding="utf-8"))["papers"]
    assert all((site / r["url"]).is_file() and r["url"].endswith(".html") for r in records)


@pytest.mark.e2e
def test_every_paper_page_exists_with_its_abstract_verbatim(built_site: Path) -> None:
    records = json.loads((built_site / "papers.json").read_text(encoding="utf-8"))["papers"]
    assert len(records) == 7
    for record in records:
        page = parse(built_site / record["url"] / "index.html")
        assert "".join(page.abstract).strip() == record["abstract"]
        assert "".join(page.title_text).replace("¶", "").strip() == record["title"]


@pytest.mark.e2e
def test_hostile_text_shows_literally_and_runs_nothing(built_site: Path) -> None:
    hostile = next((built_site / "papers").glob("escaping-*/index.html"))
    page = parse(hostile)
    assert page.scripts_in_article == 0
    text = html.unescape(hostile.read_text(encoding="utf-8"))
    assert '</title><script>alert("title")</script>' in text  # as text, after unescaping entities
    raw = hostile.read_text(encoding="utf-8")
    assert "<script>alert" not in raw and "<img src=x" not in raw
    assert "{{ 7*7 }}" in "".join(page.abstract)
    # The JSON-LD block and the meta tags hold the title without breaking out of their element.
    ld = re.search(r'<script type="application/ld\+json">(.*?)</script>', raw, re.S)
    assert ld is not None and json.loads(ld.group(1))["name"].startswith("Escaping </title><script>")


@pytest.mark.e2e
def test_structured_data_and_feed(built_site: Path) -> None:
    page = next((built_site / "papers").glob("kimi-linear-*/index.html")).read_text(encoding="utf-8")
    assert (
        '<meta name="citation_title" content="Kimi Linear: An Expressive, Efficient Attention Architecture">'
        in page
    )
    assert '<meta name="citation_publication_date" content="2024/10/30">' in page
    assert (
        '<meta name="description" content="We introduce Kimi Linear, a hybrid linear attention architecture.">'
        in page
    )
    feed = (built_site / "feed.xml").read_text(encoding="utf-8")
    assert feed.count("<entry>") == 3 and "<updated>2024-10-30T00:00:00Z</updated>" in feed
    collection = (built_site / "collections" / "spaced" / "index.html").read_text(encoding="utf-8")
    assert "Spaced &lt;b&gt;listing&lt;/b&gt;" in collection
