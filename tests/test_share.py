"""Share, cite and subscribe: the site as readers' own tools see it, read by real clients.

feedparser reads every feed, bibtexparser every ``.bib``, extruct the JSON-LD; link-preview tags
are checked on every page of a build with a public ``site_url``. Unit tests cover the escaping
(BibTeX, XML) with hostile text.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import struct
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import bibtexparser
import extruct
import feedparser
import mkdocs
import pytest
from bibtexparser.middlewares import LatexDecodingMiddleware
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.model import Organization, Paper
from generator.site.cite import bibtex_entry, bibtex_text
from generator.site.feed import Category, Feed, atom
from generator.site.preview_images import CARDS, HEIGHT, WIDTH
from generator.site.routes import Routes

from .conftest import FIXTURES, ROOT
from .test_site import build_fixture_site

SITE_URL = "https://atlas.example/sub/"
HOSTILE_TITLES = [
    "{{ x }}",
    "</title><script>alert(1)</script>",
    'Escaping </title><script>alert("title")</script> and {{ 7*7 }} in *titles* _too_',
    "Costs 100% of $5 & #1 for a_b ~ c",
    r"Back\slash \textbf{bold} \\ end",
    "Unbalanced { brace",
    "Unbalanced } brace",
    "}{ inverted }{",
    "@misc{evil, title = {x}}",
    "Line\nbreak\tand  spaces",
]


def paper(title: str, **fields: Any) -> Paper:
    values: dict[str, Any] = {
        "id": "p-00000000",
        "title": title,
        "abstract": "An abstract.",
        "authors": None,
        "organization": None,
        "published": "2024-05-01",
        "upvotes": None,
        "code_urls": (),
        "collections": (),
        "sources": ("corpus/x.txt:1",),
    }
    values.update(fields)
    return Paper(**values)


def parse_bib(text: str, decode: bool = False) -> Any:
    middleware = [LatexDecodingMiddleware()] if decode else []
    library = bibtexparser.parse_string(text, append_middleware=middleware)
    assert not library.failed_blocks, [b.error for b in library.failed_blocks]
    return library


def braces_balanced(value: str) -> bool:
    """As BibTeX counts them: every brace, escaped or not."""
    depth = 0
    for ch in value:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


# -- BibTeX ------------------------------------------------------------------------------------


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_bibtex_of_any_title_parses_and_stays_balanced(title: str) -> None:
    entry = bibtex_entry(paper(title), "https://atlas.example/papers/p-00000000/")
    library = parse_bib(entry)
    (parsed,) = library.entries
    assert parsed.key == "p-00000000" and parsed.entry_type == "misc"
    assert braces_balanced(parsed.fields_dict["title"].value)
    assert parsed.fields_dict["year"].value == "2024"
    assert parsed.fields_dict["url"].value == "https://atlas.example/papers/p-00000000/"


@pytest.mark.parametrize(
    "title",
    [
        "{{ x }}",
        "</title><script>alert(1)</script>",
        'Escaping </title><script>alert("title")</script> and {{ 7*7 }} in *titles* _too_',
        "Costs 100% of $5 & #1 for a_b ~ c",
        r"Back\slash",
        "@misc{evil, title = {x}}",
    ],
)
def test_bibtex_title_comes_back_literally(title: str) -> None:
    """Decoded from LaTeX (bibtexparser with pylatexenc), the title is the listing's text."""
    (parsed,) = parse_bib(bibtex_entry(paper(title), ""), decode=True).entries
    assert parsed.fields_dict["title"].value == title


_UNESCAPE = re.compile(
    r"\\(textbackslash|textasciitilde|textasciicircum|textbraceleft|textbraceright)\{\}|\\([%#&$_{}])"
)
_MACROS = {
    "textbackslash": "\\",
    "textasciitilde": "~",
    "textasciicircum": "^",
    "textbraceleft": "{",
    "textbraceright": "}",
}


def unescape(value: str) -> str:
    return _UNESCAPE.sub(lambda m: _MACROS[m.group(1)] if m.group(1) else m.group(2), value)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab {}\\%#&$_~^@,=\"'<>/é")), max_size=40))
def test_bibtex_of_random_text_parses_and_round_trips(title: str) -> None:
    entry = bibtex_entry(paper(title), "")
    value = parse_bib(entry).entries[0].fields_dict["title"].value
    assert braces_balanced(value)
    assert unescape(value) == " ".join(title.split())


def test_bibtex_escapes_each_special_character() -> None:
    assert bibtex_text(r"\ % # & $ _ ~ ^") == (
        r"\textbackslash{} \% \# \& \$ \_ \textasciitilde{} \textasciicircum{}"
    )
    assert bibtex_text("{a} {") == r"\{a\} \textbraceleft{}"
    assert bibtex_text("} x") == r"\textbraceright{} x"
    assert bibtex_text("plain title: no escapes") == "plain title: no escapes"


def test_bibtex_fields_left_out_when_unknown() -> None:
    entry = bibtex_entry(paper("Undated", published=None), "")
    fields = parse_bib(entry).entries[0].fields_dict
    assert sorted(fields) == ["note", "title"]
    assert fields["note"].value == "Authors not named in the listing"
    org = Organization("moonshotai", "Moonshot {AI} & co")
    fields = parse_bib(bibtex_entry(paper("T", organization=org), "")).entries[0].fields_dict
    assert fields["note"].value == r"Moonshot \{AI\} \& co"
    fields = parse_bib(bibtex_entry(paper("T", authors=1), "")).entries[0].fields_dict
    assert fields["note"].value == "1 author, not named in the listing"


# -- Atom ----------------------------------------------------------------------------------------


def test_feed_escapes_hostile_text_and_never_names_the_site() -> None:
    title = "</title><script>alert(1)</script> & {{ x }} \x0b\x00 control"
    p = paper(title, abstract="<b>bold</b> & ]]> end", organization=Organization("o", 'Org "<&>"'))
    feed = Feed(
        "Site: tag <&>", "About <&>", "https://a.example/tags/t/", "https://a.example/tags/t.xml", [p]
    )
    text = atom(feed, Routes(site_url="https://a.example"), lambda _: [Category("t", 'Tag <&> "q"')])
    parsed = feedparser.parse(text)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.title == "Site: tag <&>"
    (entry,) = parsed.entries
    assert entry.title == "</title><script>alert(1)</script> & {{ x }} \ufffd\ufffd control"
    assert entry.summary == "<b>bold</b> & ]]> end"
    assert entry.author == 'Org "<&>"'
    assert [(t.term, t.label, t.scheme) for t in entry.tags] == [
        ("t", 'Tag <&> "q"', "https://a.example/tags/")
    ]
    assert entry.published_parsed[:3] == (2024, 5, 1)


# -- the built site, with a public site_url --------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_fixture_site(tmp_path_factory.mktemp("share"), site_url=SITE_URL)


@pytest.fixture(scope="module")
def records(site: Path) -> list[dict[str, Any]]:
    return list(json.loads((site / "papers.json").read_text(encoding="utf-8"))["papers"])


class _Head(HTMLParser):
    """The ``<meta>``, ``<link>`` and ``<a>`` tags of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, list[str]] = {}
        self.links: list[dict[str, str | None]] = []
        self.anchors: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        key = a.get("property") or a.get("name")
        if tag == "meta" and key:
            self.meta.setdefault(key, []).append(a.get("content") or "")
        elif tag == "link":
            self.links.append(a)
        elif tag == "a":
            self.anchors.append(a)

    def one(self, key: str) -> str:
        values = self.meta.get(key, [])
        assert len(values) == 1, (key, values)
        return values[0]


def head(path: Path) -> _Head:
    parser = _Head()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("index.html"))


def page_url(site: Path, page: Path) -> str:
    folder = page.parent.relative_to(site).as_posix()
    return SITE_URL + ("" if folder == "." else folder + "/")


@pytest.mark.e2e
def test_every_page_has_link_preview_tags(site: Path, records: list[dict[str, Any]]) -> None:
    paper_urls = {SITE_URL + r["url"] for r in records}
    descriptions: dict[str, str] = {}
    checked = 0
    for page in pages(site):
        tags = head(page)
        url = page_url(site, page)
        assert tags.one("og:url") == url
        assert tags.one("og:type") == ("article" if url in paper_urls else "website")
        assert tags.one("og:site_name") == "Paper Atlas"
        assert tags.one("og:title") and tags.one("og:description")
        assert tags.one("twitter:card") == "summary_large_image"
        image = tags.one("og:image")
        assert image.startswith(SITE_URL) and (site / image.removeprefix(SITE_URL)).is_file()
        assert (tags.one("og:image:width"), tags.one("og:image:height")) == (str(WIDTH), str(HEIGHT))
        assert tags.one("og:image:alt")
        descriptions[url] = tags.one("og:description")
        checked += 1
    assert checked == len(list(site.rglob("index.html"))) > 20
    # Tag, collection and timeline pages each say what they hold, not the site's description.
    listing_pages = [u for u in descriptions if re.search(r"/(tags|collections|timeline)/.", u)]
    assert len(listing_pages) > 8
    assert len({descriptions[u] for u in listing_pages}) == len(listing_pages)
    site_description = descriptions[SITE_URL]
    assert all(descriptions[u] != site_description for u in listing_pages)


@pytest.mark.e2e
def test_paper_pages_carry_citation_tags_for_zotero_and_scholar(
    site: Path, records: list[dict[str, Any]]
) -> None:
    for r in records:
        tags = head(site / r["url"] / "index.html")
        assert tags.one("citation_title") == r["title"]
        assert tags.one("citation_abstract") == r["abstract"]  # the full text, not the first sentence
        if r["published"]:
            assert tags.one("citation_publication_date") == r["published"].replace("-", "/")
        else:
            assert "citation_publication_date" not in tags.meta  # no empty tag
        if r["organization"]:
            assert tags.one("citation_author_institution") == r["organization"]["name"]
        else:
            assert "citation_author_institution" not in tags.meta


@pytest.mark.e2e
def test_jsonld_extracted_by_extruct_names_its_page(site: Path, records: list[dict[str, Any]]) -> None:
    collections = {c.stem for c in (FIXTURES / "site" / "corpus").glob("*.txt")}
    for r in records:
        page = site / r["url"] / "index.html"
        url = SITE_URL + r["url"]
        data = extruct.extract(page.read_text(encoding="utf-8"), base_url=url, syntaxes=["json-ld"])
        (article,) = data["json-ld"]
        assert article["@type"] == "ScholarlyArticle"
        assert article["url"] == url and article["mainEntityOfPage"]["@id"] == url
        assert article["@id"].startswith(url)
        assert article["name"] == r["title"] and article["abstract"] == r["abstract"]
        assert "publisher" not in article
        if r["organization"]:
            assert article["sourceOrganization"]["name"] == r["organization"]["name"]
        assert article.get("datePublished") == r["published"]
        assert len(article.get("keywords", [])) == len(r["tags"]) + len(r["inferred_tags"])
        parts = article["isPartOf"]
        assert [p["url"] for p in parts] == [f"{SITE_URL}collections/{c}/" for c in r["collections"]]
        assert set(r["collections"]) <= collections


@pytest.mark.e2e
def test_every_feed_reads_in_feedparser(site: Path, records: list[dict[str, Any]]) -> None:
    listing_feeds = sorted([*site.glob("tags/*.xml"), *site.glob("collections/*.xml")])
    feeds = [site / "feed.xml", *listing_feeds]
    assert len(listing_feeds) >= 4
    by_url = {SITE_URL + r["url"]: r for r in records}
    for path in feeds:
        parsed = feedparser.parse(path.read_bytes())
        assert not parsed.bozo, (path, parsed.get("bozo_exception"))
        self_link = next(link.href for link in parsed.feed.links if link.rel == "self")
        assert self_link == SITE_URL + path.relative_to(site).as_posix()
        assert parsed.entries
        newest = max(e.published for e in parsed.entries)
        assert parsed.feed.updated.startswith(newest[:10])  # from the data, not the clock
        for entry in parsed.entries:
            record = by_url[entry.link]
            assert entry.published.startswith(record["published"])
            assert entry.author != "Paper Atlas"
            assert [t.term for t in entry.get("tags", [])] == record["tags"] + [
                t["id"] for t in record["inferred_tags"]
            ]
    # Each tag or collection page with a feed advertises it, in <head> and as a visible link.
    for path in listing_feeds:
        page = path.with_suffix("") / "index.html"
        tags = head(page)
        alternates = [link["href"] for link in tags.links if link.get("type") == "application/atom+xml"]
        assert f"../{path.name}" in alternates
        assert any(a.get("href") == f"../{path.name}" for a in tags.anchors)


@pytest.mark.e2e
def test_every_bib_reads_in_bibtexparser(site: Path, records: list[dict[str, Any]]) -> None:
    ids = sorted(r["id"] for r in records)
    everything = parse_bib((site / "papers.bib").read_text(encoding="utf-8"), decode=True)
    assert sorted(e.key for e in everything.entries) == ids
    titles = {e.key: e.fields_dict["title"].value for e in everything.entries}
    assert titles == {r["id"]: r["title"] for r in records}  # literally, hostile title included
    for r in records:
        (entry,) = parse_bib((site / "papers" / f"{r['id']}.bib").read_text(encoding="utf-8")).entries
        assert entry.key == r["id"]
        assert entry.fields_dict["url"].value == SITE_URL + r["url"]
        assert ("year" in entry.fields_dict) == bool(r["published"])
    listing_bibs = sorted([*site.glob("tags/*.bib"), *site.glob("collections/*.bib")])
    assert len(listing_bibs) >= 6
    for path in listing_bibs:
        keys = [e.key for e in parse_bib(path.read_text(encoding="utf-8")).entries]
        assert keys and set(keys) <= set(ids)
        page = path.with_suffix("") / "index.html"
        assert any(a.get("href") == f"../{path.name}" and "download" in a for a in head(page).anchors)


@pytest.mark.e2e
def test_paper_page_cite_block_and_records_beside_it(site: Path, records: list[dict[str, Any]]) -> None:
    for r in records:
        page = site / r["url"] / "index.html"
        text = page.read_text(encoding="utf-8")
        block = re.search(r'<pre class="pa-cite copy"><code>(.*?)</code></pre>', text, re.S)
        assert block is not None
        bib = (site / "papers" / f"{r['id']}.bib").read_text(encoding="utf-8")
        assert html.unescape(block.group(1)) + "\n" == bib  # the block is the downloadable file
        anchors = {a.get("href"): a for a in head(page).anchors}
        assert f"../{r['id']}.bib" in anchors and f"../{r['id']}.json" in anchors
        beside = json.loads((site / "papers" / f"{r['id']}.json").read_text(encoding="utf-8"))
        assert beside == r


@pytest.mark.e2e
def test_sitemap_dates_come_from_the_data_and_robots_points_to_it(
    site: Path, records: list[dict[str, Any]]
) -> None:
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    assert sitemap.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    entries = dict(re.findall(r"<loc>([^<]+)</loc>\s*(?:<lastmod>([^<]+)</lastmod>)?", sitemap))
    dates = {r["published"] for r in records if r["published"]}
    assert entries[SITE_URL] == max(dates)
    assert entries[SITE_URL + "about/"] == ""  # a hand-written page: no data, no lastmod
    for r in records:
        assert entries[SITE_URL + r["url"]] == (r["published"] or "")
    assert {d for d in entries.values() if d} <= dates
    assert entries[SITE_URL + "tags/attention/"] == "2024-10-30"  # its newest paper
    robots = (site / "robots.txt").read_text(encoding="utf-8")
    assert f"Sitemap: {SITE_URL}sitemap.xml" in robots.splitlines()


@pytest.mark.e2e
def test_llms_txt_says_where_the_data_and_feeds_are(site: Path) -> None:
    text = (site / "llms.txt").read_text(encoding="utf-8")
    assert text.startswith("# Paper Atlas\n\n> ")
    for path in ("papers.json", "papers.bib", "feed.xml", "tags/attention.xml", "collections/spaced.xml"):
        assert f"]({SITE_URL}{path})" in text
        assert (site / path).is_file()


# -- og:image cards and the copied MkDocs template ---------------------------------------------------


@pytest.mark.parametrize("kind", sorted(CARDS))
def test_each_card_is_a_png_of_the_announced_size(kind: str) -> None:
    data = (ROOT / "docs" / CARDS[kind].path).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    assert struct.unpack(">II", data[16:24]) == (WIDTH, HEIGHT)


def test_sitemap_override_tracks_mkdocs_original() -> None:
    """docs/overrides/sitemap.xml is MkDocs 1.6.1's with one line changed: when MkDocs changes its
    file, look at what changed and carry it over (then update the digest)."""
    original = Path(mkdocs.__file__).parent / "templates" / "sitemap.xml"
    assert hashlib.sha256(original.read_bytes()).hexdigest()[:16] == "0950766d642ac999"
    ours = (ROOT / "docs" / "overrides" / "sitemap.xml").read_text(encoding="utf-8")
    body = ours.split("-#}\n", 1)[1]
    changed = [
        (a, b)
        for a, b in zip(original.read_text(encoding="utf-8").splitlines(), body.splitlines(), strict=True)
        if a != b
    ]
    assert len(changed) == 1 and "page.update_date" in changed[0][0] and "meta.lastmod" in changed[0][1]
