"""Search: the sharded index (generator/search/) and its worker behind Material's search box.

Unit tests build indexes from small document lists and from the real corpus, and query them with
``IndexReader`` (the reference implementation of the worker's query). The ``e2e`` tests build the
site with the project's mkdocs.yml; the ``browser`` tests type into Material's search box in
Debian's chromium (fixtures from tests/browser_support.py) and count the bytes downloaded.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from generator.ingest.corpus import load_corpus
from generator.model import Paper
from generator.search import tokenizer
from generator.search.reader import IndexReader
from generator.search.tokenizer import BLOCK, INDEX_DIR, stem, terms, tokens
from generator.search.writer import SearchDoc, build_index, paper_docs
from generator.site import routes
from generator.site.routes import Routes

pytest.register_assert_rewrite("tests.browser_support")

from tests.browser_support import (  # noqa: E402 - after register_assert_rewrite
    ATLAS_CORPUS,
    DESKTOP,
    HOSTILE_DIR,
    ROOT,
    BuiltSite,
    SiteServer,
    build_site,
)

pytest_plugins = ["tests.browser_support"]

TWO_MB = 2 * 1024 * 1024
XSS_TITLE = "Image Handlers <img src=x onerror=alert(1)> for Vision Transformers"  # tests/fixtures/hostile


def doc(i: int, title: str, text: str = "") -> SearchDoc:
    return SearchDoc(f"papers/p{i}/", title, text, text[:50])


def files_of(directory: Path) -> dict[str, bytes]:
    return {
        p.relative_to(directory).as_posix(): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


# --------------------------------------------------------------------------- tokenizing


def test_tokens_fold_case_accents_and_split_on_punctuation() -> None:
    assert tokens("LLM-FP4: 4-Bit Floating-Point") == ["llm", "fp4", "4", "bit", "floating", "point"]
    assert tokens("Naïve Café_Über O(3)-equivariant") == ["naive", "cafe", "uber", "o", "3", "equivariant"]
    assert tokens("ﬁne-tuning ²") == ["fine", "tuning", "2"]  # NFKD: ligature and superscript
    assert tokens("iFairy {pm1, pm i}") == ["ifairy", "pm1", "pm", "i"]
    assert tokens("Q\\&As") == ["q", "as"]
    assert tokens("大模型 тест") == ["大模型", "тест"]


def test_ascii_fast_path_matches_the_unicode_path() -> None:
    text = "TensorNet: Cartesian (O(3)) x_y LLM.int8() 2-bit, GPT-4o; e.g. [x](y) `code` #1"
    assert tokens(text) == re.findall(r"[^\W_]+", text.lower())


def test_stem_is_harmans_s_stemmer() -> None:
    cases = {
        "models": "model",
        "studies": "study",
        "series": "sery",
        "process": "process",
        "corpus": "corpus",
        "llms": "llm",
        "gpus": "gpus",  # "-us" stays (corpus, bonus); the prefix "gpu" still finds it
        "gas": "gas",  # too short
        "fp4s": "fp4s",  # not all letters
        "naïves": "naïves",  # not ASCII: the worker's /^[a-z]+$/ would not stem it either
    }
    assert {w: stem(w) for w in cases} == cases


def test_terms_drop_stop_words_and_stem() -> None:
    assert terms("We train the Models with Transformers") == ["train", "model", "transformer"]


# --------------------------------------------------------------------------- building


@pytest.fixture(scope="module")
def real_papers() -> tuple[Paper, ...]:
    return load_corpus(ATLAS_CORPUS).papers


@pytest.fixture(scope="module")
def real_index(tmp_path_factory: pytest.TempPathFactory, real_papers: tuple[Paper, ...]) -> Path:
    out = tmp_path_factory.mktemp("search") / "index"
    build_index(paper_docs(real_papers), out)
    return out


def paper_url(papers: tuple[Paper, ...], title_start: str) -> str:
    (paper,) = [p for p in papers if p.title.startswith(title_start)]
    return Routes().url(routes.paper(paper.id))


def test_shards_partition_the_sorted_vocabulary(tmp_path: Path) -> None:
    docs = [
        doc(i, f"Paper {i} on topic{i % 7} and word{i * 31 % 101}", f"abstract text number{i}")
        for i in range(300)
    ]
    stats = build_index(docs, tmp_path, shard_bytes=2000)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    firsts = manifest["shards"]
    assert stats.n_shards == len(firsts) > 5
    assert firsts == sorted(firsts, key=lambda t: t.encode("utf-16-be"))
    seen: list[str] = []
    for i, first in enumerate(firsts):
        shard = json.loads((tmp_path / f"t/{i}.json").read_text())
        keys = list(shard)
        assert keys[0] == first
        assert keys == sorted(keys, key=lambda t: t.encode("utf-16-be"))
        if i + 1 < len(firsts):
            assert keys[-1] < firsts[i + 1]
        assert len((tmp_path / f"t/{i}.json").read_bytes()) <= 2000 or len(keys) == 1
        seen += keys
    assert len(seen) == len(set(seen)) == stats.n_terms
    assert set(seen) == {t for d in docs for t in terms(d.title + " " + d.text)}
    reader = IndexReader(tmp_path)
    for i in (0, 17, 299):
        assert reader.search(f"number{i}")[0].location == f"papers/p{i}/"


def test_metadata_blocks_hold_every_document_in_order(tmp_path: Path) -> None:
    docs = [doc(i, f"Title {i}", f"text {i}") for i in range(BLOCK * 2 + 3)]
    stats = build_index(docs, tmp_path)
    assert stats.n_blocks == 3
    rows = [row for j in range(3) for row in json.loads((tmp_path / f"d/{j}.json").read_text())]
    assert rows == [[d.location, d.title, d.snippet] for d in docs]


def test_build_is_deterministic_and_replaces_the_old_index(
    tmp_path: Path, real_papers: tuple[Paper, ...], real_index: Path
) -> None:
    (tmp_path / "stale.json").parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / "stale.json").write_text("{}")
    build_index(paper_docs(real_papers), tmp_path)
    assert files_of(tmp_path) == files_of(real_index)
    build_index(paper_docs(tuple(reversed(real_papers))), tmp_path)  # input order does not matter
    assert files_of(tmp_path) == files_of(real_index)


def test_common_terms_use_bitmaps_and_rank_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    docs = [
        doc(i, f"Shared model number{i}" + (" rare" if i % 10 == 0 else ""), "shared text " * (i % 3))
        for i in range(200)
    ]
    build_index(docs, tmp_path / "lists")
    monkeypatch.setattr(tokenizer, "COMMON_MIN_DF", 10)
    stats = build_index(docs, tmp_path / "bitmaps")
    assert stats.n_common >= 2
    bitmap = (tmp_path / "bitmaps" / "b" / "0.bin").read_bytes()
    assert len(bitmap) == 2 * ((200 + 7) // 8)
    for query in ("shared model", "rare model", "number7 shared", "mod"):
        with_lists = IndexReader(tmp_path / "lists").search(query, limit=300)
        with_bitmaps = IndexReader(tmp_path / "bitmaps").search(query, limit=300)
        assert {h.location for h in with_bitmaps if not h.missing} == {
            h.location for h in with_lists if not h.missing
        }
    assert IndexReader(tmp_path / "bitmaps").search("number7 shared")[0].location == "papers/p7/"
    assert "rare" in IndexReader(tmp_path / "bitmaps").search("rare model")[0].title


def test_corpus_text_is_stored_as_text(tmp_path: Path) -> None:
    """The index holds text, never HTML: the worker escapes it (and only it adds <mark>)."""
    build_index([doc(0, XSS_TITLE, "a <script>alert(1)</script> &amp; b")], tmp_path)
    (row,) = json.loads((tmp_path / "d/0.json").read_text())
    assert row[1] == XSS_TITLE
    assert row[2] == "a <script>alert(1)</script> &amp; b"[:50]
    assert IndexReader(tmp_path).search("onerror")[0].title == XSS_TITLE


# --------------------------------------------------------------------------- finding papers


@pytest.mark.parametrize(
    ("query", "title_start"),
    [
        ("TensorNet", "TensorNet:"),
        ("tensornet", "TensorNet:"),
        ("iFairy", "iFairy:"),
        ("LLM-FP4", "LLM-FP4:"),
        ("llm fp4", "LLM-FP4:"),
        ("Cartesian tensor representations", "TensorNet:"),  # title words
        ("floating-point quantized transformers", "LLM-FP4:"),
        ("O(3)-equivariant message-passing neural network architecture", "TensorNet:"),  # abstract phrase
        ("2-bit complex LLM", "iFairy:"),
        ("quantization-aware training accuracy ceiling", "iFairy:"),  # abstract words
        ("Tensor", "TensorNet:"),  # a prefix of the name being typed ranks it in the first results
    ],
)
def test_papers_are_found_by_name_title_and_abstract(
    real_index: Path, real_papers: tuple[Paper, ...], query: str, title_start: str
) -> None:
    hits = IndexReader(real_index).search(query, limit=10)
    want = paper_url(real_papers, title_start)
    top = 10 if query == "Tensor" else 1
    assert want in [h.location for h in hits[:top]], [h.title for h in hits]


def test_every_paper_is_found_by_its_title(real_index: Path, real_papers: tuple[Paper, ...]) -> None:
    reader = IndexReader(real_index)
    ranks = []
    for p in real_papers:
        locations = [h.location for h in reader.search(p.title, limit=10)]
        url = Routes().url(routes.paper(p.id))
        ranks.append(locations.index(url) if url in locations else 99)
    assert sum(r == 0 for r in ranks) >= 0.97 * len(ranks)
    assert all(r < 10 for r in ranks)


def test_distinctive_abstract_phrases_find_their_paper(
    real_index: Path, real_papers: tuple[Paper, ...]
) -> None:
    """Six consecutive words from the middle of each abstract: the paper is nearly always in the top 3."""
    reader = IndexReader(real_index)
    found = 0
    for p in real_papers:
        words = p.abstract.split()
        start = len(words) // 2
        hits = reader.search(" ".join(words[start : start + 6]), limit=3)
        found += Routes().url(routes.paper(p.id)) in [h.location for h in hits]
    assert found >= 0.93 * len(real_papers)


def test_missing_words_rank_below_full_matches(real_index: Path) -> None:
    hits = IndexReader(real_index).search("tensornet zzzunknownword", limit=5)
    assert hits[0].title.startswith("TensorNet")
    assert hits[0].matched == ("tensornet",)
    assert hits[0].missing == ("zzzunknownword",)
    assert IndexReader(real_index).search("the of and") == []
    assert IndexReader(real_index).search("") == []


def test_a_query_reads_few_bytes(real_index: Path) -> None:
    reader = IndexReader(real_index)
    reader.search("large language models")
    assert "manifest.json" in reader.read
    assert sum(reader.read.values()) < 200_000
    assert sum(1 for f in reader.read if f.startswith("t/")) <= 4


# --------------------------------------------------------------------------- the worker, under node

WORKER = ROOT / "docs" / "assets" / "javascripts" / "atlas-search-worker.js"
NODE_HARNESS = r"""
const fs = require("fs"), path = require("path"), vm = require("vm")
const [worker, indexDir, queriesFile] = process.argv.slice(2)
const queries = JSON.parse(fs.readFileSync(queriesFile, "utf8"))
const fetched = []
globalThis.self = { location: { href: "http://127.0.0.1/assets/javascripts/atlas-search-worker.js?material=x" } }
globalThis.fetch = async url => {
  const rel = new URL(url).pathname.replace(/^\/search\/atlas\//, "")
  fetched.push(rel)
  const buf = fs.readFileSync(path.join(indexDir, rel))
  return { ok: true, status: 200, json: async () => JSON.parse(buf.toString("utf8")),
           arrayBuffer: async () => buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length) }
}
let listener, posted = [], announced = []
globalThis.addEventListener = (type, fn) => { listener = fn }
globalThis.BroadcastChannel = class { constructor(name) { this.name = name }
                                      postMessage(m) { announced.push({ channel: this.name, ...m }) } }
globalThis.postMessage = message => posted.push(message)
vm.runInThisContext(fs.readFileSync(worker, "utf8"), { filename: worker })
const tick = () => new Promise(resolve => setTimeout(resolve, 1))
;(async () => {
  listener({ data: { type: 0, data: { config: {}, docs: [], options: { suggest: true } } } })
  const out = {}
  for (const q of queries) {
    posted = []
    announced = []
    listener({ data: { type: 2, data: q } })
    while (!posted.some(m => m.type === 3)) await tick()
    const { items, suggest } = posted.find(m => m.type === 3).data
    out[q] = { items: items.map(([i]) => [i.location, i.title, i.text, i.terms]), suggest, announced }
  }
  console.log(JSON.stringify({ results: out, fetched }))
  process.exit(0)
})()
"""


def run_worker(index_dir: Path, queries: list[str], tmp_path: Path) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI"):
            pytest.fail("node is required under CI")
        pytest.skip("node not installed")
    harness = tmp_path / "harness.cjs"
    harness.write_text(NODE_HARNESS)
    (tmp_path / "queries.json").write_text(json.dumps(queries))
    proc = subprocess.run(
        [node, str(harness), str(WORKER), str(index_dir), str(tmp_path / "queries.json")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


PARITY_QUERIES = [
    "TensorNet",
    "LLM-FP4",
    "large language models",
    "O(3)-equivariant message-passing",
    "Naïve CAFÉ models",
    "trans",
    "diffusion transformer quantization",
    "the of",
    "zzzz tensornet",
    "studies of series",
    "graph neural networks for molecules",
]


def test_worker_answers_like_the_reference(real_index: Path, tmp_path: Path) -> None:
    """The JavaScript worker (under node, files from disk) returns what IndexReader returns."""
    out = run_worker(real_index, PARITY_QUERIES, tmp_path)
    reader = IndexReader(real_index)
    for query in PARITY_QUERIES:
        hits = reader.search(query, limit=10)
        got = out["results"][query]["items"]
        assert [item[0] for item in got] == [h.location for h in hits], query
        for item, hit in zip(got, hits, strict=True):
            assert re.sub(r"</?mark[^>]*>", "", item[1]) == html_escape(hit.title)
            assert item[3] == {**dict.fromkeys(hit.matched, True), **dict.fromkeys(hit.missing, False)}
    assert "<mark data-md-highlight>TensorNet</mark>" in out["results"]["TensorNet"]["items"][0][1]
    # Each answer announces how many documents match in all, as the reference counts them.
    for query in PARITY_QUERIES:
        hits, total = reader.search_counted(query, limit=10)
        announced = out["results"][query]["announced"]
        if not hits:
            assert announced == []
            continue
        assert announced == [
            {"channel": "atlas-search", "total": total, "listed": len(hits), "first": hits[0].location}
        ], query
    assert out["results"]["large language models"]["announced"][0]["total"] > 10
    suggest = out["results"]["trans"]["suggest"]
    assert len(suggest) == 1
    assert suggest[0].startswith("trans")


def test_worker_escapes_titles_and_snippets(tmp_path: Path) -> None:
    build_index([doc(0, XSS_TITLE, 'x <script>alert(1)</script> & "y" onerror')], tmp_path / "index")
    out = run_worker(tmp_path / "index", ["onerror"], tmp_path)
    [[location, title, text, _terms]] = out["results"]["onerror"]["items"]
    assert location == "papers/p0/"
    assert "<img" not in title
    assert "<script" not in text
    assert title == (
        "Image Handlers &lt;img src=x <mark data-md-highlight>onerror</mark>=alert(1)&gt; for Vision Transformers"
    )
    assert text.startswith("x &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;y&quot; ")


def test_results_show_the_byline_escaped(tmp_path: Path) -> None:
    """A paper's byline is stored with its metadata and shown, escaped, above its snippet."""
    hostile = SearchDoc(
        "papers/p0/", "Kimi", "linear attention", "Linear attention.", "2024-10-30 · <b>Org</b> & co"
    )
    build_index([hostile, doc(1, "Other linear things", "linear")], tmp_path / "index")
    reader = IndexReader(tmp_path / "index")
    hits, total = reader.search_counted("linear", limit=10)
    assert total == 2
    assert {h.location: h.byline for h in hits} == {"papers/p0/": hostile.byline, "papers/p1/": ""}
    out = run_worker(tmp_path / "index", ["linear"], tmp_path)
    texts = {item[0]: item[2] for item in out["results"]["linear"]["items"]}
    assert texts["papers/p0/"].startswith(
        '<span class="pa-search-by">2024-10-30 · &lt;b&gt;Org&lt;/b&gt; &amp; co</span><mark data-md-highlight>Linear</mark>'
    )
    assert "pa-search-by" not in texts["papers/p1/"]


def html_escape(text: str) -> str:
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#39;")
    )


# --------------------------------------------------------------------------- the built site


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    return build_site(tmp_path_factory.mktemp("search-site"), "http://127.0.0.1:8000/")


@pytest.mark.e2e
def test_site_has_the_index_and_material_indexes_nothing(site: BuiltSite) -> None:
    material = json.loads((site.root / "search" / "search_index.json").read_text())
    assert material["docs"] == []
    assert material["config"]["separator"]  # still used to highlight terms on the opened page
    manifest = json.loads((site.root / INDEX_DIR / "manifest.json").read_text())
    assert manifest["n"] >= len(site.papers)
    page = (site.root / "index.html").read_text()
    config = json.loads(
        re.search(r'<script id="__config" type="application/json">(.*?)</script>', page, re.S)[1]
    )  # type: ignore[index]
    assert config["search"].startswith("assets/javascripts/atlas-search-worker.js")
    assert (site.root / "assets" / "javascripts" / "atlas-search-worker.js").is_file()
    assert 'class="md-search"' in page  # Material's search box is there, on every page
    paper = site.paper(
        "TensorNet: Cartesian Tensor Representations for Efficient Learning of Molecular Potentials"
    )
    assert 'class="md-search"' in (site.root / paper["url"] / "index.html").read_text()
    reader = IndexReader(site.root / INDEX_DIR)
    assert (
        reader.search("TensorNet")[0].location
        == site.paper(
            "TensorNet: Cartesian Tensor Representations for Efficient Learning of Molecular Potentials"
        )["url"]
    )
    assert reader.search("Timeline")[0].location == "timeline/"  # pages other than papers too


@pytest.mark.e2e
def test_site_index_keeps_hostile_titles_as_text(site: BuiltSite) -> None:
    reader = IndexReader(site.root / INDEX_DIR)
    assert reader.search("image handlers onerror")[0].title == XSS_TITLE
    assert HOSTILE_DIR.is_dir()


# --------------------------------------------------------------------------- in the browser


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport=DESKTOP, service_workers="block")
    yield ctx
    ctx.close()


class Traffic:
    """Every finished response with its size (headers + body), in order."""

    def __init__(self, page: Any) -> None:
        self.finished: list[tuple[str, int]] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        page.on("requestfinished", self._finished)
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _finished(self, request: Any) -> None:
        sizes = request.sizes()
        self.finished.append(
            (request.url, int(sizes["responseBodySize"]) + int(sizes["responseHeadersSize"]))
        )

    def total(self) -> int:
        return sum(n for _, n in self.finished)


def search_for(page: Any, query: str) -> None:
    """Type like a person, but send one query: Material queries on keyup."""
    box = page.locator("input.md-search__input")
    box.click()
    box.fill(query[:-1])
    box.press(query[-1])


def result_titles(page: Any) -> list[str]:
    return [t.strip() for t in page.locator(".md-search-result__item h1").all_inner_texts()]


@pytest.mark.browser
def test_search_box_finds_papers_with_little_download(context: Any, site_server: SiteServer) -> None:
    page = context.new_page()
    traffic = Traffic(page)
    page.goto(site_server.url, wait_until="load")
    search_for(page, "TensorNet")
    page.wait_for_selector(".md-search-result__item", timeout=15_000)
    downloaded = traffic.total()
    urls = [u for u, _ in traffic.finished]
    assert downloaded <= TWO_MB, traffic.finished
    assert not any(u.endswith("sitemap.xml") for u in urls)
    assert any("/search/atlas/t/" in u for u in urls)
    titles = result_titles(page)
    assert titles[0].startswith("TensorNet: Cartesian Tensor Representations")
    first = page.locator(".md-search-result__item").first
    assert first.locator("mark").first.inner_text() == "TensorNet"
    with page.expect_navigation():
        first.locator("a").first.click()
    assert "/papers/tensornet-cartesian-tensor-representations" in page.url
    assert traffic.errors == []


@pytest.mark.browser
@pytest.mark.parametrize(
    ("query", "title_start"),
    [
        ("O(3)-equivariant message-passing", "TensorNet:"),
        ("2-bit complex LLM", "iFairy:"),
        ("LLM-FP4", "LLM-FP4:"),
        ("floating-point quantized transformers", "LLM-FP4:"),
    ],
)
def test_search_box_finds_by_abstract_and_title_words(
    context: Any, site_server: SiteServer, query: str, title_start: str
) -> None:
    page = context.new_page()
    page.goto(site_server.url, wait_until="load")
    search_for(page, query)
    page.wait_for_selector(".md-search-result__item", timeout=15_000)
    assert result_titles(page)[0].startswith(title_start), result_titles(page)


@pytest.mark.browser
def test_search_results_show_corpus_text_literally(context: Any, site_server: SiteServer) -> None:
    page = context.new_page()
    traffic = Traffic(page)
    page.goto(site_server.url, wait_until="load")
    search_for(page, "image handlers onerror")
    page.wait_for_selector(".md-search-result__item", timeout=15_000)
    time.sleep(0.5)  # a second answer (more results) may follow: it must be as safe
    assert result_titles(page)[0] == XSS_TITLE
    results = page.locator(".md-search-result")
    assert results.locator("img").count() == 0
    assert results.locator("script").count() == 0
    assert traffic.dialogs == []
    assert traffic.errors == []


@pytest.mark.browser
def test_deep_link_and_typing_prefixes(context: Any, site_server: SiteServer) -> None:
    page = context.new_page()
    page.goto(site_server.at("?q=iFairy"), wait_until="load")
    page.wait_for_selector(".md-search-result__item", timeout=15_000)
    assert result_titles(page)[0].startswith("iFairy:")
    box = page.locator("input.md-search__input")
    box.fill("")
    box.press_sequentially("tensorn", delay=20)  # a query per key; only the last one is shown
    page.wait_for_function(
        "() => [...document.querySelectorAll('.md-search-result__item h1')].some(h => h.textContent.startsWith('TensorNet'))",
        timeout=15_000,
    )


@pytest.mark.browser
def test_search_counts_every_match_and_shows_bylines(context: Any, site_server: SiteServer) -> None:
    """More papers match than the 50 listed: the count says how many, and that 50 are listed."""
    reader = IndexReader(site_server.site.root / INDEX_DIR)
    query = "learning"
    _, total = reader.search_counted(query, limit=50)
    assert total > 50, total
    page = context.new_page()
    traffic = Traffic(page)
    page.goto(site_server.url, wait_until="load")
    search_for(page, query)
    meta = page.locator(".md-search-result__meta")
    expected = f"{total:,} matching documents, the best 50 listed"
    page.wait_for_function(
        "text => document.querySelector('.md-search-result__meta').textContent.trim() === text",
        arg=expected,
        timeout=15_000,
    )
    assert meta.inner_text().strip() == expected
    # A result's text starts with its byline: a paper with a date found by its title.
    paper = next(p for p in site_server.site.papers if p["published"] and p["upvotes"])
    top = reader.search(paper["title"], limit=1)[0]
    assert top.location == paper["url"] and paper["published"] in top.byline
    search_for(page, paper["title"])
    byline = page.locator(".md-search-result__item").first.locator(".pa-search-by")
    byline.wait_for()
    assert byline.inner_text().strip() == top.byline
    # A query with few matches keeps Material's own count.
    search_for(page, "TensorNet")
    page.wait_for_function(
        "() => /^\\d+ matching documents?$|^1 matching document$/.test("
        "document.querySelector('.md-search-result__meta').textContent.trim())",
        timeout=15_000,
    )
    assert traffic.errors == []
