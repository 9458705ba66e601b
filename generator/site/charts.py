"""Trend charts as inline SVG, drawn at build time: no JavaScript, no library.

Each chart is a ``<figure>``: the SVG (with ``<title>`` and ``<desc>``), a
visually hidden ``<table>`` of the same numbers for screen readers. Text takes the theme's
colours through CSS (``.pa-chart`` in ``docs/assets/atlas.css``), so a chart reads in the light and
the dark scheme; bars take the top-level tags' colours (:mod:`generator.site.palette`, at least
3:1 against both backgrounds). Everything that comes from the corpus or the taxonomy is escaped
for XML; numbers are rounded, so the output is the same on every machine.

:class:`Trends` computes the counts once per atlas and gives each page its chart:

* home: papers per year, and per month over the last two years, stacked by top-level tag;
* a tag page and a collection page: papers per year, with the counts;
* the tags overview: which tags grow (their share of the last year's papers against their share
  before), and which tags occur together (a matrix; each tag links to its page).
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from generator.atlas import Atlas
from generator.model import Paper
from generator.site import routes
from generator.site.palette import NONE, OTHER_NAME, top_tags
from generator.site.routes import Routes

MONTH_ABBREVIATIONS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
RECENT_YEARS = 2  # the home page's monthly chart covers this many latest years
MATRIX_TAGS = 16  # the co-occurrence matrix shows this many most used tags
GROWTH_TAGS = 20  # the growth chart shows this many tags, by the size of their change
WIDTH = 640
FONT = 11


def _x(text: object) -> str:
    """Escaped for XML text and attribute values."""
    return html.escape(str(text), quote=True)


def _n(value: float) -> str:
    """A coordinate: one decimal, no trailing zeros."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


@dataclass(frozen=True)
class Series:
    name: str
    colour: str
    values: tuple[int, ...]


def _table(ident: str, caption: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    head = "".join(f'<th scope="col">{_x(h)}</th>' for h in header)
    body = "".join(
        "<tr>"
        + f'<th scope="row">{_x(row[0])}</th>'
        + "".join(f"<td>{_x(cell)}</td>" for cell in row[1:])
        + "</tr>"
        for row in rows
    )
    return (
        f'<table class="pa-visually-hidden" id="{ident}-data"><caption>{_x(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def _figure(ident: str, title: str, desc: str, svg_body: str, height: float, table: str, image: bool) -> Markup:
    # A chart without links is one image to assistive technology (its table gives the numbers);
    # a chart with links (tag names) stays a group, so its links can be reached.
    role = 'role="img"' if image else 'role="group"'
    return Markup(
        f'<figure class="pa-chart" id="{ident}">'
        f'<svg {role} viewBox="0 0 {WIDTH} {_n(height)}" aria-labelledby="{ident}-title {ident}-desc"'
        f' xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{ident}-title">{_x(title)}</title><desc id="{ident}-desc">{_x(desc)}</desc>'
        f"{svg_body}</svg>"
        f"{table}<figcaption>{_x(title)}. {_x(desc)}</figcaption></figure>"  # figcaption last (HTML)
    )


def _nice_max(value: int) -> int:
    """The axis maximum: 1, 2 or 5 times a power of ten, at least ``value``."""
    step = 1
    while True:
        for m in (1, 2, 5):
            if step * m >= value:
                return step * m
        step *= 10


def bar_chart(
    ident: str,
    title: str,
    desc: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    height: int = 200,
    show_totals: bool = False,
) -> Markup:
    """Vertical bars, one per label, stacked by series (in order, the first at the bottom)."""
    totals = [sum(s.values[i] for s in series) for i in range(len(labels))]
    top = _nice_max(max(totals, default=0) or 1)
    left, right, below = 36, 8, 22
    above = 16 if show_totals else 8
    plot_w, plot_h = WIDTH - left - right, height - above - below
    slot = plot_w / max(1, len(labels))
    bar = max(1.0, slot * 0.72)
    parts = [
        f'<line class="pa-chart-axis" x1="{left}" y1="{_n(above + plot_h)}" x2="{WIDTH - right}" y2="{_n(above + plot_h)}"/>',
        f'<text class="pa-chart-tick" x="{left - 4}" y="{above + 4}" text-anchor="end">{top}</text>',
        f'<text class="pa-chart-tick" x="{left - 4}" y="{_n(above + plot_h)}" text-anchor="end">0</text>',
    ]
    every = max(1, round(len(labels) / (plot_w / 34)))  # label spacing: at least ~34 units apart
    for i, label in enumerate(labels):
        x = left + slot * i + (slot - bar) / 2
        base: float = above + plot_h
        for s in series:
            value = s.values[i]
            if not value:
                continue
            h = plot_h * value / top
            base -= h
            parts.append(
                f'<rect x="{_n(x)}" y="{_n(base)}" width="{_n(bar)}" height="{_n(h)}" fill="{s.colour}">'
                f"<title>{_x(label)}: {_x(s.name)}, {value}</title></rect>"
                if len(series) > 1
                else f'<rect x="{_n(x)}" y="{_n(base)}" width="{_n(bar)}" height="{_n(h)}" fill="{s.colour}"/>'
            )
        if show_totals and totals[i]:
            parts.append(
                f'<text class="pa-chart-value" x="{_n(x + bar / 2)}" y="{_n(base - 3)}" text-anchor="middle">'
                f"{totals[i]}</text>"
            )
        if i % every == 0:
            parts.append(
                f'<text class="pa-chart-tick" x="{_n(x + bar / 2)}" y="{_n(above + plot_h + 14)}"'
                f' text-anchor="middle">{_x(label)}</text>'
            )
    used = [s for s in series if any(s.values)]
    if len(used) > 1:
        header = ["Period", "All papers", *(s.name for s in used)]
        rows = [[label, totals[i], *(s.values[i] for s in used)] for i, label in enumerate(labels)]
    else:
        header, rows = ["Period", "Papers"], [[label, totals[i]] for i, label in enumerate(labels)]
    table = _table(ident, title, header, rows)
    return _figure(ident, title, desc, "".join(parts), height, table, image=True)


def legend(series: Sequence[Series]) -> Markup:
    """The colour key of a stacked chart, as an HTML list (wraps on narrow screens)."""
    items = "".join(
        f'<li><span class="pa-swatch" style="background-color:{s.colour}"></span>{_x(s.name)}</li>'
        for s in series
        if any(s.values)
    )
    return Markup(f'<ul class="pa-legend" aria-hidden="true">{items}</ul>')


@dataclass(frozen=True)
class GrowthRow:
    name: str
    href: str
    before: float  # share of the papers before the last year, in percent
    last: float  # share of the last year's papers, in percent
    count: int  # the tag's papers in the last year


def growth_chart(ident: str, title: str, desc: str, rows: Sequence[GrowthRow], colours: Sequence[str]) -> Markup:
    """Horizontal bars of the change in share (percentage points), each tag name a link."""
    row_h, label_w, height = 20, 250, 20 * len(rows) + 28
    mid = label_w + (WIDTH - label_w - 50) / 2
    span = max((abs(r.last - r.before) for r in rows), default=0.0) or 1.0
    half = (WIDTH - label_w - 50) / 2
    parts = [f'<line class="pa-chart-axis" x1="{_n(mid)}" y1="4" x2="{_n(mid)}" y2="{_n(height - 20)}"/>']
    for i, (r, colour) in enumerate(zip(rows, colours, strict=True)):
        y = 4 + i * row_h
        change = r.last - r.before
        w = half * abs(change) / span
        x = mid if change >= 0 else mid - w
        parts.append(
            f'<a href="{_x(r.href)}"><text class="pa-chart-label" x="{label_w - 6}" y="{y + 14}" text-anchor="end">'
            f"{_x(r.name)}</text></a>"
            f'<rect x="{_n(x)}" y="{y + 3}" width="{_n(max(w, 0.5))}" height="{row_h - 6}" fill="{colour}"/>'
            f'<text class="pa-chart-value" x="{_n(mid + half + 46)}" y="{y + 14}" text-anchor="end">'
            f"{change:+.1f}</text>"
        )
    parts.append(
        f'<text class="pa-chart-tick" x="{_n(mid - half)}" y="{_n(height - 6)}">shrinking</text>'
        f'<text class="pa-chart-tick" x="{_n(mid + half)}" y="{_n(height - 6)}" text-anchor="end">growing</text>'
    )
    table = _table(
        ident,
        title,
        ["Tag", "Share before (%)", "Share in the last year (%)", "Change (points)", "Papers in the last year"],
        [[r.name, f"{r.before:.1f}", f"{r.last:.1f}", f"{r.last - r.before:+.1f}", r.count] for r in rows],
    )
    return _figure(ident, title, desc, "".join(parts), height, table, image=False)


def matrix_chart(
    ident: str, title: str, desc: str, names: Sequence[tuple[str, str]], together: Sequence[Sequence[int]]
) -> Markup:
    """A symmetric matrix: cell (i, j) shaded by how often tags i and j are on the same paper."""
    k = len(names)
    label_w, cell = 230, min(24.0, (WIDTH - 230 - 8) / max(1, k))
    top_pad = 8
    height = top_pad + cell * k + 8
    peak = max((together[i][j] for i in range(k) for j in range(k) if i != j), default=0) or 1
    parts = []
    for i, (name, href) in enumerate(names):
        y = top_pad + i * cell
        parts.append(
            f'<a href="{_x(href)}"><text class="pa-chart-label" x="{label_w - 6}" y="{_n(y + cell / 2 + 4)}"'
            f' text-anchor="end">{_x(name)}</text></a>'
        )
        for j in range(k):
            value = together[i][j]
            if i == j or not value:
                continue
            opacity = 0.12 + 0.88 * value / peak
            parts.append(
                f'<rect class="pa-chart-cell" x="{_n(label_w + j * cell)}" y="{_n(y)}" width="{_n(cell - 1)}"'
                f' height="{_n(cell - 1)}" fill-opacity="{opacity:.2f}"><title>{_x(name)} and '
                f"{_x(names[j][0])}: {value} paper{'s' if value != 1 else ''}</title></rect>"
            )
        parts.append(
            f'<text class="pa-chart-tick" x="{_n(label_w + i * cell + cell / 2)}" y="{_n(height - 1)}"'
            f' text-anchor="middle">{i + 1}</text>'
        )
    pairs = sorted(
        ((together[i][j], names[i][0], names[j][0]) for i in range(k) for j in range(i + 1, k) if together[i][j]),
        key=lambda t: (-t[0], t[1], t[2]),
    )
    table = _table(ident, title, ["Tag", "Tag", "Papers with both"], [[a, b, n] for n, a, b in pairs[:40]])
    return _figure(ident, title, desc, "".join(parts), height + 10, table, image=False)


class Trends:
    """Every chart of the site, from one atlas; counts computed once."""

    def __init__(self, atlas: Atlas, site: Routes) -> None:
        self.atlas = atlas
        self.routes = site
        self.top = top_tags(atlas)
        dated = [p for p in atlas.papers if p.published]
        self.years = sorted({p.published[:4] for p in dated if p.published})
        self._tag_years: dict[str, Counter[str]] | None = None
        self._collection_years: dict[str, Counter[str]] | None = None

    def _stacked(self, papers: Sequence[Paper], key: int) -> tuple[list[str], list[Series]]:
        """Periods (``key`` characters of the date: 4 a year, 7 a month) and one series per root."""
        periods = sorted({p.published[:key] for p in papers if p.published})
        position = {period: i for i, period in enumerate(periods)}
        roots = self.top.roots
        values = [[0] * len(periods) for _ in range(len(roots) + 1)]
        for p in papers:
            if p.published:
                index = self.top.index(p.id)
                row = len(roots) if index == NONE else index
                values[row][position[p.published[:key]]] += 1
        series = [Series(t.name, self.top.colour(i), tuple(values[i])) for i, t in enumerate(roots)]
        series.append(Series(OTHER_NAME, self.top.colour(NONE), tuple(values[-1])))
        return periods, series

    def home(self) -> Markup:
        papers = self.atlas.papers
        if not self.years:
            return Markup("")
        years, by_year = self._stacked(papers, 4)
        recent = set(self.years[-RECENT_YEARS:])
        months, by_month = self._stacked([p for p in papers if p.published and p.published[:4] in recent], 7)
        labels = [f"{MONTH_ABBREVIATIONS[int(m[5:7]) - 1]} {m[2:4]}" for m in months]
        first = bar_chart(
            "chart-years",
            "Papers per year",
            f"Dated papers per year of publication, {years[0]} to {years[-1]}, each bar stacked by top-level tag.",
            years,
            by_year,
            show_totals=True,
        )
        second = bar_chart(
            "chart-months",
            "Papers per month",
            f"Dated papers per month of {' and '.join(sorted(recent))}, stacked by top-level tag.",
            labels,
            by_month,
        )
        return Markup(first + "\n" + second + "\n" + legend(by_year))

    def _per_year(self, ident: str, name: str, counts: Counter[str], colour: str) -> Markup:
        if not counts:
            return Markup("")
        years = [str(y) for y in range(int(min(counts)), int(max(counts)) + 1)]
        values = tuple(counts.get(y, 0) for y in years)
        return bar_chart(
            ident,
            f"Papers per year: {name}",
            f"{sum(values)} dated papers, {years[0]} to {years[-1]}.",
            years,
            [Series(name, colour, values)],
            height=140,
            show_totals=True,
        )

    def tag(self, tag_id: str) -> Markup:
        if self._tag_years is None:
            taxonomy = self.atlas.taxonomy
            per: dict[str, Counter[str]] = {t.id: Counter() for t in taxonomy.pages}
            for p in self.atlas.papers:
                if p.published:
                    tags = self.atlas.tags.get(p.id, ())
                    areas = {a.id for t in tags if (a := taxonomy.area_of(t)) is not None}
                    for t in (*tags, *sorted(areas)):
                        per[t][p.published[:4]] += 1
            self._tag_years = per
        tag = self.atlas.taxonomy.by_id[tag_id]
        root = tag
        while root.parent:
            root = self.atlas.taxonomy.by_id[root.parent]
        colour = self.top.colour(self.top.root_index[root.id])
        return self._per_year("chart-tag-years", tag.name, self._tag_years[tag_id], colour)

    def collection(self, collection_id: str) -> Markup:
        if self._collection_years is None:
            per: dict[str, Counter[str]] = {}
            for p in self.atlas.papers:
                if p.published:
                    for c in p.collections:
                        per.setdefault(c, Counter())[p.published[:4]] += 1
            self._collection_years = per
        name = next(c.name for c in self.atlas.collections if c.id == collection_id)
        return self._per_year(
            "chart-collection-years", name, self._collection_years.get(collection_id, Counter()), "#486bd7"
        )

    def growth(self) -> Markup:
        """Which tags grow: share of the last year's papers against the share of the years before."""
        if len(self.years) < 2:
            return Markup("")
        last = self.years[-1]
        recent = Counter[str]()
        before = Counter[str]()
        n_recent = n_before = 0
        for p in self.atlas.papers:
            if not p.published:
                continue
            is_recent = p.published[:4] == last
            n_recent += is_recent
            n_before += not is_recent
            (recent if is_recent else before).update(self.atlas.tags.get(p.id, ()))
        if not n_recent or not n_before:
            return Markup("")
        rows = []
        for tag in self.atlas.taxonomy.tags:
            if not recent[tag.id] and not before[tag.id]:
                continue
            share_last, share_before = 100 * recent[tag.id] / n_recent, 100 * before[tag.id] / n_before
            href = self.routes.href(routes.TAGS, routes.tag(tag.id))
            rows.append(GrowthRow(tag.name, href, round(share_before, 2), round(share_last, 2), recent[tag.id]))
        rows.sort(key=lambda r: (-abs(round(r.last - r.before, 2)), r.name))
        rows = sorted(rows[:GROWTH_TAGS], key=lambda r: (-round(r.last - r.before, 2), r.name))
        colour = {t.name: self.top.colour(i) for i, t in enumerate(self.top.roots)}
        by_id = self.atlas.taxonomy.by_id
        colours = []
        for r in rows:
            tag = next(t for t in self.atlas.taxonomy.tags if t.name == r.name)
            while tag.parent:
                tag = by_id[tag.parent]
            colours.append(colour[tag.name])
        return growth_chart(
            "chart-growth",
            f"Growing and shrinking tags, {last} against before",
            f"For the {len(rows)} tags whose share changed most: the share of {last}'s {n_recent} dated papers "
            f"that carry the tag, minus its share of the {n_before} dated papers before {last}, in percentage "
            "points. Bars to the right grow.",
            rows,
            colours,
        )

    def cooccurrence(self) -> Markup:
        """How tags connect: how many papers carry both, for the most used tags."""
        uses = Counter[str]()
        for tags in self.atlas.tags.values():
            uses.update(tags)
        chosen = sorted((t for t in uses if uses[t]), key=lambda t: (-uses[t], t))[:MATRIX_TAGS]
        if len(chosen) < 2:
            return Markup("")
        index = {t: i for i, t in enumerate(chosen)}
        together = [[0] * len(chosen) for _ in chosen]
        for tags in self.atlas.tags.values():
            mine = sorted(index[t] for t in tags if t in index)
            for a_pos, a in enumerate(mine):
                for b in mine[a_pos + 1 :]:
                    together[a][b] += 1
                    together[b][a] += 1
        by_id = self.atlas.taxonomy.by_id
        names = [
            (f"{i + 1}. {by_id[t].name}", self.routes.href(routes.TAGS, routes.tag(t))) for i, t in enumerate(chosen)
        ]
        return matrix_chart(
            "chart-cooccurrence",
            "Tags that occur together",
            f"The {len(chosen)} most used tags, numbered; the cell in row A and column B is darker the more "
            "papers carry both A and B.",
            names,
            together,
        )
