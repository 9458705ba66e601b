"""The map page's data: what the page itself holds, and the files its script fetches.

The page (``templates/map.md.j2``) carries a small JSON configuration: the legend (top-level tags,
their colours and pages), every tag's page and data file, the first paper id of each title chunk
and how to make a paper's URL. The files, under ``map/<version>/`` in the site, are written after
the layout (:mod:`generator.enrich.layout`) is known:

* the static picture (:meth:`SiteMap.preview`), in the page itself: an SVG of a sample of the points
  and the region labels, shown until the reader starts to use the map;
* ``points.bin``, fetched when the reader starts to use the map: for n papers in id order, n little-endian
  ``uint16`` x, n ``uint16`` y (the layout's [0, 1] scaled to 0..65535) and n ``uint8`` colour
  indices (the top-level tag, :data:`generator.site.palette.NONE` for none): 5 bytes a paper;
* ``labels.json``, fetched with it: the dense regions' labels (tag or topic, position);
* ``titles-<k>.json``, fetched on hover or click: ``[id, title, byline]`` of papers
  ``k * CHUNK`` to ``(k + 1) * CHUNK - 1``;
* ``tag-<id>.bin``, fetched for ``?tag=<id>``: ``uint32`` indices of the papers carrying it (by
  rule or inferred);
* ``search.bin``, fetched on the first search: ``uint32`` point index of each search document
  number (papers come first in the search index, in :func:`generator.search.writer.paper_order`).

``<version>`` is a hash of everything the files depend on (the papers' text, tags, bylines, the
layout's parameters), known before the layout is computed, so the page can name the files while
the layout is still running in another process.
"""

from __future__ import annotations

import hashlib
import html
import json
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from generator.atlas import Atlas
from generator.enrich import layout as layout_module
from generator.enrich.layout import Layout, layout
from generator.enrich.vectors import Space, vectorize
from generator.parallel import call_in_fresh_process
from generator.search.writer import paper_order
from generator.site import routes
from generator.site.palette import OTHER_NAME, TopTags, top_tags
from generator.site.routes import Routes, relative_url
from generator.site.views import byline

FORMAT = 1  # bump when a file's layout changes
CHUNK = 1_000  # papers per titles file
FOLDER = "map"
GRID = 24  # cells per side when looking for dense regions
MAX_LABELS = 24
LABEL_SPACING = 0.09  # least distance between two labels, in map units ([0, 1])
MIN_PURITY = 0.3  # share of a region's papers that must carry its label
PREVIEW = "<!-- pa-map-preview -->"  # where the built page gets the static picture (SiteMap.preview)
PREVIEW_POINTS = 4_000  # points drawn in the static picture, at most
PREVIEW_SIZE = 1_000  # the picture's coordinates, 0..PREVIEW_SIZE on both axes


@dataclass(frozen=True)
class LegendEntry:
    name: str
    colour: str
    count: int
    href: str | None  # the tag page; None for "no tag"
    index: int


@dataclass(frozen=True)
class MapPage:
    src: str
    count: int
    legend: tuple[LegendEntry, ...]
    config: str  # JSON for the page's <script type="application/json">, safe inside <script>
    scripts: tuple[str, ...]  # URLs relative to the page, in load order (the library comes later)
    lists: tuple[tuple[str, str], ...]  # (text, href) of the listing pages, for the no-JS fallback


def script_json(value: object) -> str:
    """JSON that can sit inside a ``<script>`` element: no ``<``, ``>`` or ``&`` left as such."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _dumps(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class SiteMap:
    """The map page's view and its data files, for one atlas."""

    VENDOR_SCRIPT = "assets/javascripts/vendor/regl-scatterplot.min.js"
    SCRIPT = "assets/javascripts/atlas-map.js"

    def __init__(self, atlas: Atlas, site: Routes) -> None:
        self.atlas = atlas
        self.routes = site
        self.top: TopTags = top_tags(atlas)
        self._version: str | None = None

    # -- naming ---------------------------------------------------------------------------------

    @property
    def version(self) -> str:
        if self._version is None:
            digest = hashlib.sha256()
            params = (
                FORMAT,
                CHUNK,
                GRID,
                MAX_LABELS,
                layout_module.SEED,
                layout_module.DIMENSIONS,
                layout_module.LANDMARKS,
                layout_module.NEIGHBOURS,
                layout_module.PERPLEXITY,
                layout_module.ITERATIONS,
            )
            digest.update(repr(params).encode())
            for tag in self.atlas.taxonomy.pages:
                digest.update(f"\x01{tag.id}\x00{tag.name}\x00{tag.parent}".encode())
            for topic in self.atlas.topics:
                digest.update(f"\x02{topic.id}\x00{topic.name}\x00{len(topic.papers)}".encode())
            for p in self.atlas.papers:
                tags = ",".join(self.atlas.tags.get(p.id, ()))
                inferred = ",".join(i.tag for i in self.atlas.inferred.get(p.id, ()))
                digest.update(
                    f"\x03{p.id}\x00{p.title}\x00{p.abstract}\x00{byline(p)}\x00{tags}\x00{inferred}".encode()
                )
            self._version = digest.hexdigest()[:12]
        return self._version

    @property
    def folder(self) -> str:
        """The data files' folder, relative to the site root."""
        return f"{FOLDER}/{self.version}"

    def tag_members(self) -> dict[str, list[int]]:
        """Tag id -> point indices of the papers that carry it (rule or inferred), ascending."""
        taxonomy = self.atlas.taxonomy
        members: dict[str, list[int]] = {t.id: [] for t in taxonomy.pages}
        for i, p in enumerate(self.atlas.papers):
            seen = set(self.atlas.tags.get(p.id, ()))
            seen.update(t.tag for t in self.atlas.inferred.get(p.id, ()))
            seen.update(a.id for t in list(seen) if (a := taxonomy.area_of(t)) is not None)
            for t in sorted(seen):
                if t in members:
                    members[t].append(i)
        return members

    # -- the page -------------------------------------------------------------------------------

    def page(self) -> MapPage:
        src = routes.MAP
        page_url = self.routes.url(src)
        papers = self.atlas.papers
        counts = np.bincount(
            np.array([self.top.index(p.id) for p in papers], dtype=np.int64), minlength=256
        )
        legend = [
            LegendEntry(t.name, self.top.colour(i), int(counts[i]), self.routes.href(src, routes.tag(t.id)), i)
            for i, t in enumerate(self.top.roots)
        ]
        legend.append(LegendEntry(OTHER_NAME, self.top.colour(255), int(counts[255]), None, 255))
        sample = papers[0].id if papers else "x"
        paper_href = self.routes.href(src, routes.paper(sample)) if papers else relative_url(
            self.routes.url(routes.paper(sample)), page_url
        )
        prefix, _, suffix = paper_href.rpartition(sample)
        members = self.tag_members()
        config: dict[str, Any] = {
            "version": self.version,
            "base": relative_url(self.folder + "/", page_url),
            "count": len(papers),
            "chunk": CHUNK,
            "firsts": [papers[k].id for k in range(0, len(papers), CHUNK)],
            "paper": [prefix, suffix],
            "legend": [
                {"name": e.name, "colour": e.colour, "index": e.index, "count": e.count} for e in legend
            ],
            "tags": {
                t.id: {
                    "name": t.name,
                    "href": self.routes.href(src, routes.tag(t.id)),
                    "count": len(members[t.id]),
                }
                for t in self.atlas.taxonomy.pages
            },
            "search": relative_url("assets/javascripts/atlas-search-worker.js", page_url),
            "library": relative_url(self.VENDOR_SCRIPT, page_url),  # loaded when the reader starts
        }
        lists = (
            ("Tags", self.routes.href(src, routes.TAGS)),
            ("Collections", self.routes.href(src, routes.COLLECTIONS)),
            ("Timeline", self.routes.href(src, routes.TIMELINE)),
        )
        return MapPage(
            src=src,
            count=len(papers),
            legend=tuple(e for e in legend if e.count),
            config=script_json(config),
            scripts=(relative_url(self.SCRIPT, page_url),),
            lists=lists,
        )

    # -- the files ------------------------------------------------------------------------------

    def files(self, placed: Layout) -> Iterator[tuple[str, bytes]]:
        """Every data file as (path relative to the site root, content), in a stable order."""
        papers = self.atlas.papers
        if len(placed) != len(papers):
            raise ValueError(f"the layout has {len(placed)} points for {len(papers)} papers")
        folder = self.folder
        yield f"{folder}/points.bin", self.points(placed)
        yield f"{folder}/labels.json", _dumps({"labels": self.labels(placed)})
        for k in range(0, len(papers), CHUNK):
            rows = [[p.id, p.title, byline(p) or ""] for p in papers[k : k + CHUNK]]
            yield f"{folder}/titles-{k // CHUNK}.json", _dumps(rows)
        for tag_id, indices in self.tag_members().items():
            yield f"{folder}/tag-{tag_id}.bin", np.asarray(indices, dtype="<u4").tobytes()
        position = {p.id: i for i, p in enumerate(papers)}
        order = [position[p.id] for p in paper_order(papers)]
        yield f"{folder}/search.bin", np.asarray(order, dtype="<u4").tobytes()

    def points(self, placed: Layout) -> bytes:
        quantized = np.round(np.clip(placed.xy, 0.0, 1.0) * 65535).astype("<u2")
        colours = np.array([self.top.index(p.id) for p in self.atlas.papers], dtype=np.uint8)
        return bytes(quantized[:, 0].tobytes() + quantized[:, 1].tobytes() + colours.tobytes())

    def preview(self, placed: Layout) -> str:
        """The map as the page first shows it, before any script: an inline SVG of a sample of the
        points (every k-th paper, one path a colour) and the region labels as links, placed in
        percent of the map's square. The script that draws every point is loaded only when the
        reader starts to use the map (``atlas-map.js``)."""
        papers = self.atlas.papers
        n = len(placed)
        step = max(1, -(-n // PREVIEW_POINTS))
        picked = np.arange(0, n, step)
        xy = np.round(placed.xy[picked] * PREVIEW_SIZE).astype(np.int64)
        colours = np.array([self.top.index(papers[i].id) for i in picked.tolist()], dtype=np.int64)
        radius = 6 if len(picked) > 2_000 else 9 if len(picked) > 300 else 14
        paths = []
        for index in sorted(set(colours.tolist()), key=lambda k: (k == 255, k)):
            d = "".join(f"M{x} {y}h0" for x, y in xy[colours == index].tolist())
            paths.append(f'<path stroke="{html.escape(self.top.colour(index))}" d="{d}"/>')
        labels = "".join(
            f'<a class="pa-map-label pa-map-label--{label["level"]}" href="{html.escape(label["href"])}" '
            f'style="left:{label["x"] * 100:.2f}%;top:{label["y"] * 100:.2f}%">{html.escape(label["text"])}</a>'
            for label in self.labels(placed)
        )
        shown = f"{len(picked)} of the {n} papers" if step > 1 else f"all {n} papers"
        return (
            f'<div class="pa-map-preview"><svg class="pa-map-picture" viewBox="0 0 {PREVIEW_SIZE} {PREVIEW_SIZE}" '
            f'role="img" aria-label="A picture of the map: {shown}, coloured by top-level tag">'
            f'<g fill="none" stroke-width="{radius}" stroke-linecap="round">{"".join(paths)}</g></svg>'
            f'<div class="pa-map-labels">{labels}</div></div>'
        )

    def labels(self, placed: Layout) -> list[dict[str, Any]]:
        """Labels for the dense regions: for each tag and topic, the grid cell where it is most
        concentrated (members times their share of the cell); the strongest first, none closer
        than ``LABEL_SPACING`` to a stronger one."""
        n = len(placed)
        if n == 0:
            return []
        cells_xy = np.minimum((placed.xy * GRID).astype(np.int64), GRID - 1)
        cells = cells_xy[:, 0] * GRID + cells_xy[:, 1]
        totals = np.bincount(cells, minlength=GRID * GRID)
        src = routes.MAP
        candidates: list[tuple[str, str, int, np.ndarray]] = []  # (text, href, level, members)
        for tag_id, indices in self.tag_members().items():
            tag = self.atlas.taxonomy.by_id[tag_id]
            level = 0 if tag.parent is None else 1
            candidates.append((tag.name, self.routes.href(src, routes.tag(tag_id)), level, np.asarray(indices)))
        position = {p.id: i for i, p in enumerate(self.atlas.papers)}
        for topic in self.atlas.topics:
            rows = np.asarray(sorted(position[pid] for pid in topic.papers if pid in position), dtype=np.int64)
            candidates.append((topic.name, self.routes.href(src, routes.topic(topic.id)), 2, rows))
        least = max(3, round(n * 0.002))
        scored = []
        for text, href, level, found in candidates:
            members = found
            if len(members) < least:
                continue
            counts = np.bincount(cells[members], minlength=GRID * GRID)
            purity = counts / np.maximum(totals, 1)
            strength = counts * purity
            best = int(np.argmax(strength))
            if counts[best] < least or purity[best] < MIN_PURITY:
                continue
            bx, by = divmod(best, GRID)
            near = members[(np.abs(cells_xy[members, 0] - bx) <= 1) & (np.abs(cells_xy[members, 1] - by) <= 1)]
            x, y = placed.xy[near].mean(axis=0)
            scored.append((-round(float(strength[best]), 6), level, text, href, float(x), float(y)))
        scored.sort()
        chosen: list[dict[str, Any]] = []
        for _, level, text, href, x, y in scored:
            if len(chosen) >= MAX_LABELS:
                break
            if any((x - c["x"]) ** 2 + (y - c["y"]) ** 2 < LABEL_SPACING**2 for c in chosen):
                continue
            chosen.append({"text": text, "href": href, "level": level, "x": round(x, 4), "y": round(y, 4)})
        return chosen


class MapJob:
    """The layout of a :class:`SiteMap`'s papers, started in another process (when there is one:
    :func:`generator.parallel.call_in_fresh_process`), the page's static picture and the writing of its files once it is done."""

    def __init__(self, site_map: SiteMap) -> None:
        atlas = site_map.atlas
        self.site_map = site_map
        space = atlas.space if atlas.space is not None else vectorize(atlas.papers)
        ids = [p.id for p in atlas.papers]
        # A fresh process, not a fork: this one has run OpenMP code (k-means), which a fork breaks.
        # At a lower priority: the layout is needed only when the map page is written, after every
        # page is converted, while the helper that renders pages ahead is needed at once; both
        # would otherwise share the second core evenly.
        self._layout = call_in_fresh_process(timed_layout, (ids, space), len(ids), nice=10)
        self._result: tuple[Layout, float] | None = None
        self.waited = 0.0  # seconds this process waited for the layout

    def result(self) -> tuple[Layout, float]:
        """The layout and its seconds (waiting for the other process the first time)."""
        if self._result is None:
            started = time.perf_counter()
            self._result = self._layout.wait()
            self.waited = time.perf_counter() - started
        return self._result

    def preview(self) -> str:
        """The static picture that replaces :data:`PREVIEW` in the built map page."""
        return self.site_map.preview(self.result()[0])

    def write(self, site_dir: Path) -> tuple[int, int, float]:
        """Write every file under ``site_dir`` (dropping older versions); (files, bytes, layout seconds)."""
        placed, seconds = self.result()
        folder = site_dir / FOLDER
        if folder.is_dir():
            for old in folder.iterdir():
                if old.is_dir() and old.name != self.site_map.version:
                    shutil.rmtree(old)
        written = size = 0
        for rel, data in self.site_map.files(placed):
            path = site_dir / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            written += 1
            size += len(data)
        return written, size, seconds


def timed_layout(ids: list[str], space: Space) -> tuple[Layout, float]:
    """The layout of the papers ``ids`` (rows of ``space``) and its seconds, on one thread."""
    from threadpoolctl import threadpool_limits

    started = time.perf_counter()
    with threadpool_limits(limits=1):
        placed = layout(ids, space)
    return placed, time.perf_counter() - started
