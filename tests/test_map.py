"""The map's layout and data files, the trend charts, and the vendored map library."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from generator.atlas import build_atlas
from generator.enrich.layout import landmark_rows, layout
from generator.enrich.vectors import vectorize
from generator.ingest.corpus import ListingCache
from generator.site import routes
from generator.site.charts import Series, Trends, bar_chart
from generator.site.map import CHUNK, SiteMap, script_json
from generator.site.palette import NONE, PALETTE, top_tags
from generator.site.render import Renderer
from generator.site.routes import Routes

from .conftest import FIXTURES, ROOT

SITE_FIXTURE = FIXTURES / "site"
VENDOR = ROOT / "docs" / "assets" / "javascripts" / "vendor"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def atlas():  # type: ignore[no-untyped-def]
    return build_atlas(SITE_FIXTURE / "corpus", SITE_FIXTURE / "taxonomy.yml", ListingCache())


def test_layout_is_deterministic_and_in_the_unit_square(atlas) -> None:  # type: ignore[no-untyped-def]
    first = layout([p.id for p in atlas.papers], atlas.space)
    again = layout([p.id for p in atlas.papers], vectorize(atlas.papers))
    assert first.xy.shape == (len(atlas.papers), 2)
    assert np.array_equal(first.xy, again.xy)
    assert first.xy.min() >= 0 and first.xy.max() <= 1
    assert len({tuple(p) for p in first.xy.tolist()}) == len(atlas.papers)  # no two on one spot


def test_landmarks_stay_when_papers_are_added(atlas) -> None:  # type: ignore[no-untyped-def]
    papers = atlas.papers
    few = {papers[i].id for i in landmark_rows([p.id for p in papers], 3).tolist()}
    more = {papers[i].id for i in landmark_rows([p.id for p in papers], 4).tolist()}
    assert few < more
    without_last = {papers[i].id for i in landmark_rows([p.id for p in papers[:-1]], 3).tolist()}
    if papers[-1].id not in few:
        assert without_last == few


def test_layout_places_similar_papers_near_each_other() -> None:
    """Two topics of synthetic papers: each paper's nearest point is of its own topic."""
    from generator.model import Paper

    words = {
        "a": "spiking neurons synapse membrane potential plasticity cortex",
        "b": "tensor decomposition rank factor matrix product tucker",
    }
    papers = []
    for k in range(40):
        topic = "ab"[k % 2]
        text = " ".join(np.random.default_rng(k).permutation(words[topic].split()).tolist())
        papers.append(Paper.__new__(Paper))
        object.__setattr__(papers[-1], "id", f"p{k:02d}-{k:08x}")
        object.__setattr__(papers[-1], "title", f"{topic} {k}")
        object.__setattr__(papers[-1], "abstract", text + " " + text)
    placed = layout([p.id for p in papers], vectorize(papers))
    xy = placed.xy
    same = 0
    for i in range(len(papers)):
        d = ((xy - xy[i]) ** 2).sum(axis=1)
        d[i] = np.inf
        same += papers[int(np.argmin(d))].title[0] == papers[i].title[0]
    assert same >= 36


def test_map_files(atlas) -> None:  # type: ignore[no-untyped-def]
    site_map = SiteMap(atlas, Routes())
    placed = layout([p.id for p in atlas.papers], atlas.space)
    files = dict(site_map.files(placed))
    folder = f"map/{site_map.version}"
    n = len(atlas.papers)
    points = files[f"{folder}/points.bin"]
    assert len(points) == 5 * n
    x = np.frombuffer(points[: 2 * n], dtype="<u2")
    colours = np.frombuffer(points[4 * n :], dtype=np.uint8)
    assert np.allclose(x / 65535, placed.xy[:, 0], atol=1 / 65535)
    top = top_tags(atlas)
    assert colours.tolist() == [top.index(p.id) for p in atlas.papers]
    titles = json.loads(files[f"{folder}/titles-0.json"])
    assert [row[0] for row in titles] == [p.id for p in atlas.papers[:CHUNK]]
    assert any("<script>" in row[1] for row in titles)  # data, escaped by JSON and shown as text
    for tag in atlas.taxonomy.tags:
        members = np.frombuffer(files[f"{folder}/tag-{tag.id}.bin"], dtype="<u4")
        assert all(
            tag.id in atlas.tags.get(atlas.papers[i].id, ()) or atlas.inferred.get(atlas.papers[i].id)
            for i in members
        )
    order = np.frombuffer(files[f"{folder}/search.bin"], dtype="<u4")
    assert sorted(order.tolist()) == list(range(n))
    labels = json.loads(files[f"{folder}/labels.json"])["labels"]
    assert all(0 <= label["x"] <= 1 and 0 <= label["y"] <= 1 for label in labels)
    # The same atlas gives the same files, byte for byte; the version names them.
    assert dict(SiteMap(atlas, Routes()).files(placed)) == files


def test_map_job_in_a_fresh_process_writes_the_same_files(atlas, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The build computes the layout in a spawned process (parallel.call_in_fresh_process): the
    files are those of the layout computed here."""
    import generator.parallel as parallel
    from generator.site.map import MapJob

    site_map = SiteMap(atlas, Routes())
    monkeypatch.setattr(parallel, "MIN_SIZE", 0)
    monkeypatch.setattr(parallel, "ENABLED", True)
    written, size, _ = MapJob(site_map).write(tmp_path)
    placed = layout([p.id for p in atlas.papers], atlas.space)
    expected = dict(site_map.files(placed))
    assert written == len(expected) and size == sum(map(len, expected.values()))
    for rel, data in expected.items():
        assert (tmp_path / rel).read_bytes() == data, rel


def test_page_config_is_safe_inside_a_script(atlas) -> None:  # type: ignore[no-untyped-def]
    page = SiteMap(atlas, Routes()).page()
    assert "<" not in page.config and ">" not in page.config and "&" not in page.config
    config = json.loads(page.config)
    assert config["paper"] == ["../papers/", "/"]
    assert config["count"] == len(atlas.papers)
    assert script_json({"a": "</script><!--"}) == '{"a":"\\u003c/script\\u003e\\u003c!--"}'


def test_every_paper_and_tag_page_links_to_the_map(atlas) -> None:  # type: ignore[no-untyped-def]
    renderer = Renderer(atlas, ROOT / "templates")
    paper = atlas.papers[0]
    body = renderer.document(routes.paper(paper.id)).markdown
    assert f'<a href="../../map/?paper={paper.id}">Where it sits on the map</a>' in body
    tag = atlas.taxonomy.tags[0]
    assert f'<a href="../../map/?tag={tag.id}">' in renderer.document(routes.tag(tag.id)).markdown


def test_palette_keeps_contrast_on_both_backgrounds() -> None:
    def luminance(colour: str) -> float:
        rgb = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    def contrast(a: float, b: float) -> float:
        return (max(a, b) + 0.05) / (min(a, b) + 0.05)

    for colour in PALETTE:
        assert contrast(luminance(colour), 1.0) >= 3.0, colour  # Material's white
        assert contrast(luminance(colour), luminance("#1e2129")) >= 3.0, colour  # its slate
    assert NONE == 255


# -- charts -----------------------------------------------------------------------------------------


def _svg_and_table(markup: str) -> tuple[ET.Element, ET.Element]:
    figure = ET.fromstring(markup)  # well-formed XML: escaped text, closed elements
    svg = figure.find(f"{SVG}svg") or figure.find("svg")
    assert svg is not None
    table = figure.find("table")
    assert table is not None and "pa-visually-hidden" in table.get("class", "")
    return svg, table


def test_bar_chart_has_title_description_and_data_table() -> None:
    chart = bar_chart(
        "c", "Papers <per> year", 'A "desc" & more', ["2023", "2024"], [Series("<b>x</b>", "#c33d53", (3, 5))]
    )
    svg, table = _svg_and_table(str(chart))
    assert svg.get("role") == "img" and svg.get("aria-labelledby") == "c-title c-desc"
    assert svg.find(f"{SVG}title").text == "Papers <per> year"  # type: ignore[union-attr]
    assert svg.find(f"{SVG}desc").text == 'A "desc" & more'  # type: ignore[union-attr]
    cells = [[c.text for c in row] for row in table.iter("tr")]
    assert cells == [["Period", "Papers"], ["2023", "3"], ["2024", "5"]]
    assert "<b>" not in str(chart)


def test_charts_of_the_fixture_site(atlas) -> None:  # type: ignore[no-untyped-def]
    trends = Trends(atlas, Routes())
    home = trends.home()
    assert home.count("<figure") == 2
    for part in home.split("\n")[:2]:
        _svg_and_table(part)
    charts = [str(trends.tag(t.id)) for t in atlas.taxonomy.tags]
    assert any(charts)
    svg, table = _svg_and_table(next(c for c in charts if c))
    assert len(list(table.iter("tr"))) >= 2
    growth = str(trends.growth())
    svg, _ = _svg_and_table(growth)
    links = [a.get("href") for a in svg.iter(f"{SVG}a")]
    assert links and all(href and href.endswith("/") for href in links)
    matrix = str(trends.cooccurrence())
    svg, _ = _svg_and_table(matrix)
    assert "Attention &lt;&amp;&gt; &quot;transformers&quot;" in matrix  # the fixture's hostile tag name
    assert Trends(atlas, Routes()).home() == home  # deterministic


# -- the vendored library ---------------------------------------------------------------------------


def test_vendored_map_library_matches_the_pinned_packages() -> None:
    manifest = json.loads((VENDOR / "regl-scatterplot.json").read_text(encoding="utf-8"))
    bundle = (VENDOR / manifest["bundle"]).read_bytes()
    assert hashlib.sha256(bundle).hexdigest() == manifest["sha256"]
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))["packages"]
    assert (
        json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["dependencies"]["regl-scatterplot"]
        == "1.16.0"
    )
    for package in manifest["packages"]:
        entry = lock[f"node_modules/{package['name']}"]
        assert (entry["version"], entry["integrity"]) == (package["version"], package["integrity"]), package[
            "name"
        ]
    assert lock["node_modules/esbuild"]["version"] == manifest["bundler"]["version"]
    licences = (VENDOR / "regl-scatterplot.LICENSES.txt").read_text(encoding="utf-8")
    assert all(f"==== {p['name']} {p['version']} ====" in licences for p in manifest["packages"])


@pytest.mark.skipif(
    not (ROOT / "node_modules" / ".bin" / "esbuild").exists(), reason="node_modules not installed"
)
def test_vendored_map_library_is_reproducible(tmp_path: Path) -> None:
    """.ci/vendor-map.sh run again from node_modules gives the committed bundle, byte for byte."""
    out = tmp_path / "bundle.js"
    subprocess.run(
        [
            str(ROOT / "node_modules" / ".bin" / "esbuild"),
            str(ROOT / ".ci" / "vendor" / "map-entry.js"),
            "--bundle",
            "--minify",
            "--format=iife",
            "--target=es2020",
            "--legal-comments=none",
            "--log-level=warning",
            f"--outfile={out}",
        ],
        cwd=ROOT,
        check=True,
    )
    assert (
        shutil.which("node") is None or out.read_bytes() == (VENDOR / "regl-scatterplot.min.js").read_bytes()
    )


def test_static_picture_of_the_map(atlas) -> None:  # type: ignore[no-untyped-def]
    """The picture the page shows before any script: one path per colour, a point per sampled
    paper, where the layout puts it; the region labels as escaped links placed in percent."""
    import re

    from generator.site import map as map_module

    site_map = SiteMap(atlas, Routes())
    placed = layout([p.id for p in atlas.papers], atlas.space)
    picture = site_map.preview(placed)
    paths = re.findall(r'<path stroke="(#[0-9a-f]{6})" d="([^"]*)"/>', picture)
    top = top_tags(atlas)
    assert sorted(c for c, _ in paths) == sorted({top.colour(top.index(p.id)) for p in atlas.papers})
    points = [tuple(map(int, m)) for _, d in paths for m in re.findall(r"M(\d+) (\d+)h0", d)]
    assert len(points) == len(atlas.papers)
    expected = {tuple(v) for v in np.round(placed.xy * map_module.PREVIEW_SIZE).astype(int).tolist()}
    assert set(points) == expected
    for label in site_map.labels(placed):
        assert f'style="left:{label["x"] * 100:.2f}%;top:{label["y"] * 100:.2f}%"' in picture
    assert "<script" not in picture
    # A large corpus is sampled: at most PREVIEW_POINTS points.
    monkey = map_module.PREVIEW_POINTS
    try:
        map_module.PREVIEW_POINTS = 3
        small = site_map.preview(placed)
        assert len(re.findall(r"M\d+ \d+h0", small)) <= 3
    finally:
        map_module.PREVIEW_POINTS = monkey
