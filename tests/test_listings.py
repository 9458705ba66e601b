"""Paper cards, paged lists and their data files (generator/site/cards.py, paging.py, listings.py)."""

from __future__ import annotations

import json
import re

import pytest

from generator.atlas import build_atlas
from generator.ingest.corpus import ListingCache
from generator.site.cards import reason
from generator.site.listings import Listings, html_json
from generator.site.paging import Section, later_pages, page_count, page_of, page_slices, pager
from generator.site.render import Renderer
from generator.site.routes import Routes
from generator.site.routes import list_page as page_src
from generator.site.routes import split_list_page as split_page_src
from generator.site.views import SiteViews, newest_first

from .conftest import FIXTURES, ROOT

SITE = FIXTURES / "site"


# -- paging ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("items", "pages"), [(0, 1), (1, 1), (100, 1), (101, 2), (250, 3)])
def test_page_count(items: int, pages: int) -> None:
    assert page_count(items) == pages


def test_page_sources_round_trip() -> None:
    assert page_src("tags/x.md", 1) == "tags/x.md"
    assert page_src("tags/x.md", 2) == "tags/x/page/2.md"
    assert split_page_src("tags/x/page/2.md") == ("tags/x.md", 2)
    assert split_page_src("timeline/undated/page/12.md") == ("timeline/undated.md", 12)
    for src in ("tags/x.md", "tags/x/page/1.md", "tags/x/page/02.md", "tags/x/page/a.md", "papers/p.md"):
        assert split_page_src(src) is None, src
    assert list(later_pages("collections/c.md", 201, per_page=100)) == [
        "collections/c/page/2.md",
        "collections/c/page/3.md",
    ]
    assert [page_of(i, 100) for i in (0, 99, 100, 250)] == [1, 1, 2, 3]


def test_slices_cover_every_item_once_in_order() -> None:
    sections = [Section("A", "a", None, list(range(7))), Section("B", "b", "note", list(range(7, 12)))]
    seen: list[int] = []
    for number in range(1, page_count(12, 5) + 1):
        slices = page_slices(sections, number, per_page=5)
        assert sum(len(s.items) for s in slices) == (5 if number < 3 else 2)
        for s in slices:
            assert s.continued == (s.items[0] != s.section.items[0])
            seen.extend(s.items)
    assert seen == list(range(12))
    # Page 2 ends section A (continued) and starts section B.
    page2 = page_slices(sections, 2, per_page=5)
    assert [(s.section.title, s.continued, list(s.items)) for s in page2] == [
        ("A", True, [5, 6]),
        ("B", False, [7, 8, 9]),
    ]


def test_pager_links_first_last_and_a_window() -> None:
    def numbers(n: int, pages: int) -> list[int | None]:
        return [None if k is None else k.number for k in pager("tags/x.md", n, pages)]

    assert numbers(1, 1) == [1]
    assert numbers(1, 3) == [1, 2, 3]
    assert numbers(5, 20) == [1, None, 3, 4, 5, 6, 7, None, 20]
    assert numbers(20, 20) == [1, None, 18, 19, 20]
    assert pager("tags/x.md", 2, 3)[2] == pager("tags/x.md", 1, 3)[2]  # same link whatever the page


# -- cards ------------------------------------------------------------------------------------------


def test_reason_is_one_short_line() -> None:
    assert reason([], []) == "Similar wording"
    assert reason(["A"], ["x", "y"]) == "Shared: A · x, y"
    assert reason(["A", "B", "C", "D"], ["w", "x", "y", "z"]) == "Shared: A, B +2 · w, x, y"
    assert reason([], [], meaning=True) == "Similar in meaning"
    assert reason(["A"], [], meaning=True) == "Shared: A; similar in meaning"


# -- lists of the fixture site, paged small -----------------------------------------------------------


@pytest.fixture(scope="module")
def views() -> SiteViews:
    atlas = build_atlas(SITE / "corpus", SITE / "taxonomy.yml", ListingCache())
    return SiteViews(atlas, Routes())  # any page: these tests page the lists small


def test_small_pages_reach_every_paper_of_every_list(views: SiteViews) -> None:
    listings = Listings(views, per_page=2)
    later = list(listings.later_sources())
    assert "timeline/undated/page/2.md" in later
    for first, lst in listings.lists().items():
        pages = [first, *(s for s in later if s.startswith(first.removesuffix(".md") + "/page/"))]
        assert len(pages) == page_count(lst.count, 2)
        titles = [c.title for src in pages for part in listings.page(src).sections for c in part.cards]
        assert titles == [p.title for s in lst.sections for p in s.items], first
        with pytest.raises(KeyError):
            listings.page(page_src(first, len(pages) + 1))


def test_list_page_links_and_counts(views: SiteViews) -> None:
    listings = Listings(views, per_page=2)
    first = listings.page("timeline/undated.md")
    assert (first.number, first.start, first.end, first.prev) == (1, 1, 2, None)
    assert first.next == "page/2/"  # a final URL: the pager is raw HTML
    assert first.data == "cards.json"
    last = listings.page(f"timeline/undated/page/{first.pages}.md")
    assert last.next is None and last.end == last.total
    assert last.first_md == "../../undated.md"
    assert last.data == "../../cards.json"
    assert last.sections[0].continued and last.sections[0].title == "Undated"
    with pytest.raises(KeyError):
        listings.page(f"timeline/undated/page/{first.pages + 1}.md")


def test_tag_cards_leave_out_the_tag_of_the_page(views: SiteViews) -> None:
    page = Listings(views).page("tags/memory.md")
    for part in page.sections:
        for card in part.cards:
            assert all(chip.id != "memory" for chip in card.chips)
    assert page.collections and page.years


def test_data_file_lists_every_paper_with_its_card(views: SiteViews) -> None:
    listings = Listings(views)
    files = dict(listings.data_files())
    assert sorted(files) == sorted(lst.data_path for lst in listings.lists().values())
    data = json.loads(files["tags/listing-shapes/cards.json"])
    assert data["v"] == 1 and data["count"] == len(data["rows"]) == 3
    ids = [row[0] for row in data["rows"]]
    assert ids == [p.id for s in listings.lists()["tags/listing-shapes.md"].sections for p in s.items]
    prefix, suffix = data["paper"]
    assert (prefix, suffix) == ("../../papers/", "/")
    for row in data["rows"]:
        _, title, date, upvotes, who, chips, first, collections, section = row
        assert who == views.cards.who(views.by_id[row[0]])
        paper = views.by_id[row[0]]
        assert (title, date, upvotes) == (paper.title, paper.published, paper.upvotes)
        assert [data["collections"][c][0] for c in collections] == list(paper.collections)
        assert all(data["chips"][c][1].startswith("../") for c in chips)
        assert first and paper.abstract.startswith(first.rstrip("…"))
        assert section == 0


def test_data_files_escape_markup_characters(views: SiteViews) -> None:
    """A data file holds corpus text; it is JSON, but no <, > or & appears raw in it anyway."""
    files = dict(Listings(views).data_files())
    hostile = files["collections/hostile/cards.json"]
    assert "<" not in hostile and ">" not in hostile and "&" not in hostile
    assert "\\u003cscript\\u003e" in hostile
    assert json.loads(hostile)["rows"]
    assert html_json("</script><!--&") == '"\\u003c/script\\u003e\\u003c!--\\u0026"'


def test_generated_pages_include_every_later_page() -> None:
    atlas = build_atlas(SITE / "corpus", SITE / "taxonomy.yml", ListingCache())
    renderer = Renderer(atlas, ROOT / "templates", per_page=2)
    sources = renderer.sources()
    assert len(sources) == len(set(sources))
    later = [s for s in sources if split_page_src(s)]
    assert later == list(renderer.listings.later_sources()) and later
    for src in later:
        doc = renderer.document(src)
        text = doc.text()
        assert "pa-raw" not in text
        assert re.search(r"^# .*: page \d+ of \d+$", text, re.M), src
        assert '<nav class="pa-pager"' in text
    # Raw HTML is set aside from the Markdown and restored in the text.
    doc = renderer.document("timeline/undated.md")
    assert doc.raw and "<ol" not in doc.markdown and "<!--pa-raw:0-->" in doc.markdown
    assert all(block in doc.text() for block in doc.raw)


def test_timeline_months_link_to_the_page_that_starts_them(views: SiteViews) -> None:
    summaries = views.year_summaries("timeline/index.md")
    for year in summaries:
        before = 0
        for link, n in year.months:
            expected = page_src(f"timeline/{year.year}.md", page_of(before))
            assert link.to == expected and link.anchor.startswith(year.year), (link.to, expected)
            before += n


def test_without_directory_urls_links_and_data_files_follow(views: SiteViews) -> None:
    listings = Listings(SiteViews(views.atlas, Routes(directory_urls=False)), per_page=1)
    assert listings.page("tags/listing-shapes.md").data == "listing-shapes/cards.json"
    assert listings.page("tags/listing-shapes/page/2.md").data == "../cards.json"
    data = json.loads(dict(listings.data_files())["tags/listing-shapes/cards.json"])
    assert data["paper"] == ["../../papers/", ".html"]
    assert all(chip[1].startswith("../") and chip[1].endswith(".html") for chip in data["chips"])


def test_later_pages_carry_the_meta_of_their_first_page() -> None:
    """Page 2 and on of a list: the first page's description, preview image and feed; its sitemap
    ``lastmod`` from the papers it shows."""
    atlas = build_atlas(SITE / "corpus", SITE / "taxonomy.yml", ListingCache())
    renderer = Renderer(atlas, ROOT / "templates", per_page=1)
    later = [s for s in renderer.sources() if split_page_src(s)]
    assert later
    for src in later:
        first, _ = split_page_src(src) or ("", 0)
        meta, first_meta = renderer.document(src).meta or {}, renderer.document(first).meta or {}
        assert meta["atlas"] == first_meta["atlas"]
        assert meta.get("description") == first_meta.get("description")
        dates = [p.published for p in renderer.listings.papers(src) if p.published]
        assert meta.get("lastmod") == (max(dates) if dates else None), src


def test_newest_first_keeps_undated_papers_of_a_generator(views: SiteViews) -> None:
    """The listing order reads its papers twice (dated, then undated): a generator must not lose the
    second half. Topic pages pass one."""
    papers = list(views.atlas.papers)
    assert any(p.published for p in papers) and any(not p.published for p in papers)
    expected = newest_first(papers)
    assert newest_first(p for p in papers) == expected
    assert len(expected) == len(papers)
    assert [p for p in expected if not p.published] == expected[-sum(not p.published for p in papers) :]
