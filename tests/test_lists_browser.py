"""Lists of papers in a real browser: cards, sort, filter, paging, "load more", previews.

The site of tests/browser_support.py (the real corpus plus the hostile fixtures), in Debian's
chromium. Screenshots at 1280 px and 390 px go to artifacts/screenshots/.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

pytest.register_assert_rewrite("tests.browser_support")

from tests.browser_support import (  # noqa: E402 - after register_assert_rewrite
    AXE_JS,
    DESKTOP,
    SiteServer,
    require,
    screenshot,
)

pytest_plugins = ["tests.browser_support"]
pytestmark = pytest.mark.browser

PHONE_390 = {"width": 390, "height": 844}
CARD_TITLES = """
() => [...document.querySelectorAll("article ol.pa-cards > li:not([hidden]) > a:first-child")]
  .filter(a => a.offsetParent !== null).map(a => a.textContent)
"""
CARD_UPVOTES = """
() => [...document.querySelectorAll("article ol.pa-cards > li")].filter(li => li.offsetParent !== null)
  .map(li => li.dataset.u === undefined ? -1 : Number(li.dataset.u))
"""


def lists(site_root: Path) -> dict[str, dict[str, Any]]:
    """Every list's data file by the URL path of its first page (``tags/x/``)."""
    out = {}
    for path in sorted(site_root.rglob("cards.json")):
        url = path.parent.relative_to(site_root).as_posix() + "/"
        out[url] = json.loads(path.read_text(encoding="utf-8"))
    return out


def largest(site: Any, prefix: str = "", upvoted: bool = False) -> tuple[str, dict[str, Any]]:
    """The list with the most papers (of those whose URL starts with ``prefix``; ``upvoted``: of
    those where upvotes tell papers apart)."""
    found = {
        u: d
        for u, d in lists(site.root).items()
        if u.startswith(prefix) and (not upvoted or len({r[3] for r in d["rows"]}) > 2)
    }
    url = max(found, key=lambda u: (found[u]["count"], u))
    return url, found[url]


def assert_clean(opened: Any) -> None:
    problems = opened.log.problems()
    assert not problems, "\n".join(problems)


def wait_for_count(page: Any, pattern: str) -> None:
    page.wait_for_function(
        "re => new RegExp(re).test(document.querySelector('.pa-count').textContent)", arg=pattern
    )


# --------------------------------------------------------------------------- without JavaScript


def test_without_javascript_the_pages_of_the_largest_list_hold_every_paper(
    browser: Any, site_server: SiteServer
) -> None:
    url, data = largest(site_server.site)
    assert data["count"] > 100, "the largest list should need more than one page"
    context = browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    page = context.new_page()
    page.goto(site_server.at(url))
    seen: list[str] = []
    pages = 0
    while True:
        pages += 1
        assert page.locator(".pa-tools p").inner_text().endswith("newest first.")
        assert page.locator(".pa-controls").count() == 0
        seen += page.evaluate(CARD_TITLES)
        following = page.locator("nav.pa-pager a[rel=next]")
        if following.count() == 0:
            break
        following.click()
    assert pages == -(-data["count"] // 100)
    assert seen == [row[1] for row in data["rows"]]
    assert page.url.endswith(f"/page/{pages}/")
    screenshot(page, "list-last-page-no-js-desktop")
    context.close()


# --------------------------------------------------------------------------- load more


def test_load_more_reaches_the_last_paper_of_the_largest_list(
    site_server: SiteServer, open_page: Any
) -> None:
    url, data = largest(site_server.site)
    opened = open_page(url)
    page = opened.page
    button = page.locator("button.pa-more")
    loads = 0
    while button.count():
        button.click()
        loads += 1
        page.wait_for_function(
            "n => document.querySelectorAll('article ol.pa-cards > li').length >= n",
            arg=min(data["count"], 100 * (loads + 1)),
        )
    titles = page.evaluate(CARD_TITLES)
    assert titles == [row[1] for row in data["rows"]]
    assert page.locator("nav.pa-pager a[rel=next]").count() == 0
    assert page.locator("h2.pa-continued").count() == 0
    ids = page.evaluate("() => [...document.querySelectorAll('[id]')].map(e => e.id)")
    assert len(ids) == len(set(ids)), "duplicate ids after loading more"
    assert_clean(opened)


# --------------------------------------------------------------------------- sort and filter


def test_sorting_by_upvotes_reorders_and_the_url_keeps_it(site_server: SiteServer, open_page: Any) -> None:
    url, data = largest(site_server.site, upvoted=True)
    opened = open_page(url)
    page = opened.page
    page.locator(".pa-tools select").first.select_option("upvotes")
    wait_for_count(page, "most upvoted first")
    upvotes = page.evaluate(CARD_UPVOTES)
    assert upvotes == sorted(upvotes, reverse=True) and upvotes[0] > upvotes[-1]
    expected = sorted(data["rows"], key=lambda r: -(r[3] if r[3] is not None else -1))[:100]
    assert page.evaluate(CARD_TITLES) == [r[1] for r in expected]
    assert parse_qs(urlsplit(page.url).query) == {"sort": ["upvotes"]}
    screenshot(page, "list-sorted-desktop")
    assert_clean(opened)


def test_sorting_a_paged_list_sorts_all_of_its_pages(site_server: SiteServer, open_page: Any) -> None:
    url, data = largest(site_server.site)
    assert data["count"] > 100, "the largest list should need more than one page"
    opened = open_page(url)
    page = opened.page
    assert page.locator("nav.pa-pager").is_visible()
    page.locator(".pa-tools select").first.select_option("title")
    wait_for_count(page, "by title")
    expected = page.evaluate(
        "ts => ts.sort(new Intl.Collator('en', {sensitivity: 'base', numeric: true}).compare)",
        [r[1] for r in data["rows"]],
    )
    assert page.evaluate(CARD_TITLES) == expected[:100]  # from every page, not only the first
    assert page.locator("nav.pa-pager").is_hidden()
    more = page.locator(".pa-results button.pa-more")
    while more.count():
        more.click()
    assert page.evaluate(CARD_TITLES) == expected
    assert parse_qs(urlsplit(page.url).query) == {"sort": ["title"]}
    # Back to newest first: the page's own cards and pager again, the URL clean.
    page.locator(".pa-tools select").first.select_option("newest")
    page.wait_for_function("() => !location.search")
    assert page.evaluate(CARD_TITLES) == [r[1] for r in data["rows"][:100]]
    assert page.locator("nav.pa-pager").is_visible()
    assert_clean(opened)


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()


def test_filtering_narrows_and_the_url_restores_it(site_server: SiteServer, open_page: Any) -> None:
    url, data = largest(site_server.site)

    def text(row: list[Any]) -> str:
        chips = [data["chips"][c][0] for c in row[5]]
        return _fold(" ".join([row[1], row[4] or "", *chips, row[6] or ""]))

    # A word of the titles that about a quarter of the list holds.
    counts = Counter(w for r in data["rows"] for w in set(re.findall(r"[a-z]{5,}", _fold(r[1]))))
    word = min(counts, key=lambda w: (abs(counts[w] - data["count"] // 4), w))
    matching = [r[1] for r in data["rows"] if word in text(r)]
    assert 0 < len(matching) < data["count"], len(matching)
    opened = open_page(url)
    page = opened.page
    page.locator(".pa-tools input[type=search]").fill(word)
    wait_for_count(page, "match")
    page.wait_for_function("() => location.search.includes('q=')")
    titles = page.evaluate(CARD_TITLES)
    assert titles == matching[:100]
    assert (
        page.locator(".pa-count")
        .inner_text()
        .startswith(f"{len(matching):,} of {data['count']:,} papers match")
    )
    shared = urlsplit(page.url)
    assert parse_qs(shared.query) == {"q": [word]}

    again = open_page(shared.path.lstrip("/") + "?" + shared.query)
    restored = again.page
    wait_for_count(restored, "match")
    assert restored.locator(".pa-tools input[type=search]").input_value() == word
    assert restored.evaluate(CARD_TITLES) == titles
    screenshot(restored, "tag-filtered-desktop")
    phone = open_page(shared.path.lstrip("/") + "?" + shared.query, viewport=PHONE_390)
    wait_for_count(phone.page, "match")
    screenshot(phone.page, "tag-filtered-phone")
    assert_clean(opened)
    assert_clean(again)


def test_year_and_collection_filters_on_a_tag_page(site_server: SiteServer, open_page: Any) -> None:
    candidates = {
        u: d
        for u, d in lists(site_server.site.root).items()
        if u.startswith("tags/") and len({r[7][0] for r in d["rows"] if r[7]}) > 1
    }
    url = max(candidates, key=lambda u: candidates[u]["count"])
    data = candidates[url]
    opened = open_page(url)
    page = opened.page
    selects = page.locator(".pa-tools select")
    assert selects.count() == 3  # sort, year, collection
    year = next(r[2][:4] for r in data["rows"] if r[2])
    selects.nth(1).select_option(year)
    wait_for_count(page, "match|papers,")
    expected = [r[1] for r in data["rows"] if (r[2] or "")[:4] == year]
    assert page.evaluate(CARD_TITLES) == expected[:100]
    collection = data["collections"][data["rows"][0][7][0]][0]
    selects.nth(2).select_option(collection)
    index = [c[0] for c in data["collections"]].index(collection)
    expected = [r[1] for r in data["rows"] if (r[2] or "")[:4] == year and index in r[7]]
    page.wait_for_function(
        "c => location.search.includes('collection=' + encodeURIComponent(c))", arg=collection
    )
    assert page.evaluate(CARD_TITLES) == expected[:100]
    assert parse_qs(urlsplit(page.url).query) == {"year": [year], "collection": [collection]}
    assert_clean(opened)


def test_home_lists_sort_in_place(site_server: SiteServer, open_page: Any) -> None:
    opened = open_page("")
    page = opened.page
    tools = page.locator(".pa-tools").first
    before = page.evaluate(CARD_TITLES)
    tools.locator("select").select_option("title")
    page.wait_for_function("() => location.search.includes('newest-sort=title')")
    newest = page.locator("article ol.pa-cards").first.locator("> li > a:first-child").all_inner_texts()
    assert newest == sorted(newest, key=str.casefold) or len(set(newest)) < len(newest)
    assert sorted(newest) == sorted(before[: len(newest)])
    assert_clean(opened)


# --------------------------------------------------------------------------- previews


def _paper_link(page: Any) -> Any:
    return page.locator("article ol.pa-cards > li > a:first-child:visible").first


def test_hovering_a_paper_link_shows_its_preview(site_server: SiteServer, open_page: Any) -> None:
    url, _ = largest(site_server.site, "tags/")
    opened = open_page(url)
    page = opened.page
    link = _paper_link(page)
    link.hover()
    preview = page.locator(".pa-preview")
    preview.wait_for(state="visible")
    assert preview.locator("strong").inner_text() == link.inner_text()
    assert preview.locator("p").inner_text()
    assert link.get_attribute("aria-describedby") == "pa-preview"
    assert preview.get_attribute("role") == "tooltip"
    screenshot(page, "preview-desktop")
    page.keyboard.press("Escape")
    preview.wait_for(state="hidden")
    assert link.get_attribute("aria-describedby") is None
    # From the keyboard: focusing a paper link shows it too.
    page.mouse.move(0, 0)
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate(
            "() => !!document.activeElement.closest('ol.pa-cards') && "
            "document.activeElement === document.activeElement.parentElement.firstElementChild"
        ):
            break
    preview.wait_for(state="visible")
    assert_clean(opened)


def test_touch_shows_no_preview_and_follows_the_link(browser: Any, site_server: SiteServer) -> None:
    url, _ = largest(site_server.site, "tags/")
    context = browser.new_context(viewport=PHONE_390, has_touch=True, is_mobile=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(site_server.at(url), wait_until="networkidle")
    link = _paper_link(page)
    href = link.evaluate("a => a.href")
    with page.expect_navigation():
        link.tap()
    assert page.url == href
    assert page.locator(".pa-preview:visible").count() == 0
    assert errors == []
    context.close()


# --------------------------------------------------------------------------- phones and screenshots


@pytest.mark.parametrize("kind", ["tag", "paper", "home"])
def test_cards_fit_a_390px_phone(kind: str, site_server: SiteServer, open_page: Any) -> None:
    site = site_server.site
    url = {"tag": largest(site, "tags/")[0], "home": "", "paper": _related_rich_paper(site)}[kind]
    opened = open_page(url, viewport=PHONE_390)
    page = opened.page
    sizes = page.evaluate("() => ({scroll: document.documentElement.scrollWidth, inner: innerWidth})")
    assert sizes["scroll"] <= sizes["inner"], sizes
    # A date never breaks: each <time> of a card is one line.
    heights = page.evaluate(
        """() => [...document.querySelectorAll('article .pa-by time, article .pa-up')]
                 .map(t => t.getClientRects().length)"""
    )
    assert heights and set(heights) == {1}
    # A related paper's reason is one line.
    reasons = page.evaluate(
        """() => [...document.querySelectorAll('article .pa-why')].map(r => {
             const lh = parseFloat(getComputedStyle(r).lineHeight); return r.clientHeight <= lh * 1.5 })"""
    )
    assert all(reasons)
    if kind == "paper":  # the related papers' compact cards
        page.evaluate("() => document.getElementById('related-papers').scrollIntoView()")
    screenshot(page, f"{kind}-cards-phone")
    desktop = open_page(url)
    if kind == "paper":
        desktop.page.evaluate("() => document.getElementById('related-papers').scrollIntoView()")
    screenshot(desktop.page, f"{kind}-cards-desktop")
    assert_clean(opened)


def _related_rich_paper(site: Any) -> str:
    paper = max(
        (p for p in site.papers if p["related"] and p["tags"] and p["published"]),
        key=lambda p: (len(p["mentions"]) + len(p["mentioned_by"]), len(p["related"]), p["id"]),
    )
    return str(paper["url"])


# --------------------------------------------------------------------------- accessibility


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_on_a_paged_list_its_sorted_view_and_a_preview(
    scheme: str, site_server: SiteServer, open_page: Any
) -> None:
    require(AXE_JS.is_file(), f"{AXE_JS} missing (npm ci --ignore-scripts)")
    url, _ = largest(site_server.site)
    opened = open_page(url, color_scheme=scheme)
    page = opened.page
    page.add_script_tag(path=str(AXE_JS))
    run = """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
      .filter(v => v.impact === "serious" || v.impact === "critical")
      .map(v => v.id + ": " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", "))"""
    assert page.evaluate(run) == []
    page.locator(".pa-tools select").first.select_option("title")
    wait_for_count(page, "by title")
    assert page.evaluate(run) == []
    _paper_link(page).hover()
    page.locator(".pa-preview").wait_for(state="visible")
    assert page.evaluate(run) == []
    assert_clean(opened)


def test_the_home_pages_search_button_opens_search_on_a_phone(
    site_server: SiteServer, open_page: Any
) -> None:
    """On a phone the header has only a search icon; the home page's button opens the same search."""
    opened = open_page("", viewport=PHONE_390)
    page = opened.page
    page.locator("article .pa-search-button").click()
    page.wait_for_function("() => document.getElementById('__search').checked")
    box = page.locator("input.md-search__input")
    box.wait_for(state="visible")
    box.press_sequentially("attention")  # keys, as a reader types (fill alone can beat the worker)
    page.locator(".md-search-result__item").first.wait_for()
    screenshot(page, "home-search-phone")
    assert_clean(opened)
