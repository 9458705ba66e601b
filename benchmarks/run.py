"""The scale benchmark: every generator stage, the whole ``mkdocs build`` and the floor, at several sizes.

``python -m benchmarks.run [--sizes 1000,10000,100000] [--quick] [--repeat R] [--out FILE]`` (``make bench``).

For each N it writes a synthetic corpus (:mod:`benchmarks.synth`) into a temporary folder and runs,
each in a FRESH child process (so every peak RSS belongs to one stage):

* ``parse``: :func:`generator.ingest.corpus.load_corpus` (read, parse, validate, merge);
* ``tags``: load the taxonomy, tag every paper;
* ``related``: related papers (TF-IDF top-k);
* ``mentions``: mentions and their backlinks;
* ``render``: every generated page as the MkDocs plugin produces it (``Renderer.documents()``: Markdown,
  raw HTML blocks and page meta), plus each list's ``cards.json``, ``papers.json`` and the feed;
* ``mkdocs build``: the whole build with the repository's ``mkdocs.yml``, ``docs/``, templates and
  taxonomy, its plugin pointed at the synthetic corpus (generation included);
* ``floor``: :mod:`benchmarks.floor`, a plain ``mkdocs build`` of N paper-shaped pages;
  (``--vector-cache cold``, the default: the builds run with ``PAPER_ATLAS_CACHE=off``, so each
  encodes every paper, as a fresh clone does; ``warm``: the cache is filled first, as on a CI
  cache hit);
* ``incremental``: in one process, build the atlas and render every page, add one new listing file
  and rebuild with the plugin's caches, as ``mkdocs serve`` does on a change.

A stage child reads what earlier stages computed from pickles (so it does not redo them and its
peak is its own plus its inputs), times only its stage and reports the RSS it started the stage
with. ``seconds`` of a stage is that in-process time; of ``mkdocs build`` and ``floor`` the child's
wall time; with ``--repeat R`` the build and the floor run R times each, alternately, and the
fastest of each is reported (the machine is shared: noise only ever adds time). With
``--profile`` (default for full runs) the largest N is also profiled (cProfile, every generator
stage in one process) and the top functions are written below the table. ``--merge`` keeps the
rows of other sizes already in the results file (to re-measure one size).

Results go between the ``<!-- results -->`` markers of ``--out`` (default ``benchmarks/RESULTS.md``);
text outside the markers (the prose summary) is kept. ``--quick`` means sizes 1000 and no profile,
written to ``benchmarks/out/RESULTS-quick.md`` unless ``--out`` is given.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pickle
import platform
import pstats
import re
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.floor import run_floor
from benchmarks.measure import run_measured
from benchmarks.synth import REPO, generate_papers, render_compact, write_corpus

RESULTS = REPO / "benchmarks" / "RESULTS.md"
QUICK_RESULTS = REPO / "benchmarks" / "out" / "RESULTS-quick.md"
BEGIN = "<!-- results:begin (written by python -m benchmarks.run; edit outside the markers) -->"
END = "<!-- results:end -->"
STAGES = ("parse", "tags", "related", "mentions", "render", "map")
INCREMENTAL_PAPERS = 20  # papers in the file added for the incremental rebuild
INCREMENTAL_FILE = "zzz_incremental.txt"
# The plugin logs its own time: the atlas and page list in on_files, the pages as MkDocs reads them.
_GENERATED = re.compile(r"paper-atlas: .*?(?:generated|rendered) in ([0-9.]+)s")
_RSS_PAGE_KB = os.sysconf("SC_PAGE_SIZE") / 1024


def current_rss_mb() -> float:
    """Resident set size of this process now (Linux /proc; the peak so far elsewhere)."""
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * _RSS_PAGE_KB / 1024
    except OSError:
        return peak_rss_mb()


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


# -- the child side: one stage ----------------------------------------------------------------------


@dataclass(frozen=True)
class Inputs:
    corpus: Path
    taxonomy: Path
    templates: Path
    state: Path  # pickles handed from stage to stage
    pending: dict[str, object] = field(default_factory=dict)

    def load(self, name: str) -> Any:
        with open(self.state / f"{name}.pkl", "rb") as handle:
            return pickle.load(handle)

    def save(self, name: str, value: object) -> None:
        """Keep ``value`` for the later stages; written after the stage's clock has stopped."""
        self.pending[name] = value

    def flush(self) -> None:
        for name, value in self.pending.items():
            with open(self.state / f"{name}.pkl", "wb") as handle:
                pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        self.pending.clear()


def _atlas_from_state(inputs: Inputs) -> Any:
    from generator.atlas import Atlas
    from generator.enrich.tagging import coverage_diagnostics
    from generator.enrich.taxonomy import load_taxonomy

    corpus = inputs.load("corpus")
    problems, _ = inputs.load("tags")
    taxonomy, _ = load_taxonomy(inputs.taxonomy)
    outgoing, incoming = inputs.load("mentions")
    related, tags, inferred, grouped = inputs.load("related")
    diagnostics = [*corpus.diagnostics, *problems]
    diagnostics += coverage_diagnostics(
        str(inputs.taxonomy), taxonomy, corpus.papers, tags, inferred, grouped
    )
    return Atlas(
        corpus,
        taxonomy,
        tags,
        related,
        outgoing,
        incoming,
        tuple(diagnostics),
        inferred,
        grouped.topics,
        grouped.unsorted,
    )


def stage_parse(inputs: Inputs) -> Callable[[], dict[str, Any]]:
    from generator.ingest.corpus import ListingCache, load_corpus

    def run() -> dict[str, Any]:
        corpus = load_corpus(inputs.corpus, ListingCache())
        inputs.save("corpus", corpus)
        return {"papers": len(corpus.papers), "entries": corpus.entry_count, "files": corpus.file_count}

    return run


def stage_tags(inputs: Inputs) -> Callable[[], dict[str, Any]]:
    """The rules' evidence (the vectors' side of tagging needs the space: see stage_related)."""
    from generator.enrich.tagging import rule_evidence
    from generator.enrich.taxonomy import load_taxonomy

    corpus = inputs.load("corpus")

    def run() -> dict[str, Any]:
        taxonomy, problems = load_taxonomy(inputs.taxonomy)
        evidence = rule_evidence(taxonomy, corpus.papers)
        inputs.save("tags", (problems, evidence))
        return {"with_rule_hits": sum(bool(e) for e in evidence)}

    return run


def stage_related(inputs: Inputs) -> Callable[[], dict[str, Any]]:
    """The space, the tags given (rules and vectors), related papers and automatic topics."""
    from generator.atlas import group_untagged
    from generator.enrich.inference import assign
    from generator.enrich.related import nearest, related_from
    from generator.enrich.taxonomy import load_taxonomy
    from generator.enrich.vectors import vectorize

    corpus = inputs.load("corpus")
    _, evidence = inputs.load("tags")

    def run() -> dict[str, Any]:
        taxonomy, _ = load_taxonomy(inputs.taxonomy)
        space = vectorize(corpus.papers)
        ids = [p.id for p in corpus.papers]
        given = assign(taxonomy, ids, evidence, space.semantic, space.centre)
        found = nearest(corpus.papers, space=space)
        related = related_from(found, corpus.papers, given.tags)
        grouped = group_untagged(corpus.papers, space, given.tags, given.inferred)
        inputs.save("related", (related, given.tags, given.inferred, grouped))
        return {
            "links": sum(map(len, related.values())),
            "inferred": len(given.inferred),
            "topics": len(grouped.topics),
        }

    return run


def stage_mentions(inputs: Inputs) -> Callable[[], dict[str, Any]]:
    from generator.enrich.mentions import backlinks, mentions

    corpus = inputs.load("corpus")

    def run() -> dict[str, Any]:
        outgoing = mentions(corpus.papers)
        inputs.save("mentions", (outgoing, backlinks(outgoing)))
        return {"links": sum(map(len, outgoing.values()))}

    return run


def stage_render(inputs: Inputs) -> Callable[[], dict[str, Any]]:
    from generator.site.feed import atom_feed
    from generator.site.outputs import records_json
    from generator.site.render import Renderer

    atlas = _atlas_from_state(inputs)

    def run() -> dict[str, Any]:
        renderer = Renderer(atlas, inputs.templates, site_url="http://127.0.0.1:8000/")
        pages = 0
        size = 0
        for doc in renderer.documents():  # what the plugin hands MkDocs (meta apart, no YAML)
            pages += 1
            size += len(doc.markdown) + sum(map(len, doc.raw))
        for _path, text in renderer.listings.data_files():  # each list's cards.json
            size += len(text)
        size += len(records_json(atlas, renderer.routes))
        size += len(atom_feed(atlas, renderer.routes, "Paper Atlas", 50))
        return {"pages": pages, "chars": size}

    return run


def stage_map(inputs: Inputs) -> Callable[[], dict[str, Any]]:
    """The map's layout (the vector space is computed before the clock starts: the build shares it),
    then its data files, and their sizes: raw, and gzip-compressed as GitHub Pages serves them."""
    import gzip

    from generator.enrich.vectors import vectorize
    from generator.site.map import SiteMap, timed_layout
    from generator.site.routes import Routes

    atlas = _atlas_from_state(inputs)
    space = vectorize(atlas.papers)

    def run() -> dict[str, Any]:
        placed, layout_seconds = timed_layout([p.id for p in atlas.papers], space)  # as in the build
        site_map = SiteMap(atlas, Routes())
        page = site_map.page()
        # Before the first paint: the page's configuration and its static picture; every data
        # file waits until the reader starts to use the map.
        first_paint = {
            "page config": page.config.encode("utf-8"),
            "picture": site_map.preview(placed).encode(),
        }
        later = {rel.rsplit("/", 1)[-1]: data for rel, data in site_map.files(placed)}
        return {
            "layout_seconds": layout_seconds,
            "landmarks": placed.landmarks,
            "first_paint_bytes": sum(map(len, first_paint.values())),
            "first_paint_gzip_bytes": sum(len(gzip.compress(d, 6)) for d in first_paint.values()),
            "points_gzip_bytes": len(gzip.compress(later.get("points.bin", b""), 6)),
            "other_files": len(later),
            "other_bytes": sum(map(len, later.values())),
            "other_gzip_bytes": sum(len(gzip.compress(d, 6)) for d in later.values()),
        }

    return run


def run_stage(name: str, inputs: Inputs) -> dict[str, Any]:
    """Prepare the stage's inputs, then time the stage alone."""
    prepare = {
        "parse": stage_parse,
        "tags": stage_tags,
        "related": stage_related,
        "mentions": stage_mentions,
        "render": stage_render,
        "map": stage_map,
    }[name]
    run = prepare(inputs)
    rss_before = current_rss_mb()
    started = time.perf_counter()
    details = run()
    seconds = time.perf_counter() - started
    peak = peak_rss_mb()
    inputs.flush()
    return {"seconds": seconds, "rss_before_mb": rss_before, "peak_rss_mb": peak, **details}


def run_incremental(inputs: Inputs, new_file: Path) -> dict[str, Any]:
    """A full build and render, then one new listing file and a rebuild with the caches kept."""
    from generator.atlas import AtlasCache, build_atlas
    from generator.site.render import Renderer

    def build(cache: AtlasCache) -> dict[str, float]:
        timings: dict[str, float] = {}
        started = time.perf_counter()
        atlas = build_atlas(inputs.corpus, inputs.taxonomy, cache, timings)
        render_started = time.perf_counter()
        for _ in Renderer(atlas, inputs.templates).documents():
            pass
        timings["render"] = time.perf_counter() - render_started
        timings["total"] = time.perf_counter() - started
        return timings

    cache = AtlasCache()
    first = build(cache)
    parsed_before = cache.listings.misses
    target = inputs.corpus / new_file.name
    shutil.copyfile(new_file, target)
    try:
        second = build(cache)
    finally:
        target.unlink()
    return {
        "full": first,
        "rebuild": second,
        "files_reparsed": cache.listings.misses - parsed_before,
        "tags_reused": cache.tag_hits,
        "peak_rss_mb": peak_rss_mb(),
    }


def profile_stages(inputs: Inputs, top: int) -> str:
    """cProfile each generator stage in one process; the top functions of each as text."""
    from generator.atlas import Atlas, group_untagged
    from generator.enrich.inference import assign
    from generator.enrich.mentions import backlinks, mentions
    from generator.enrich.related import nearest, related_from
    from generator.enrich.tagging import coverage_diagnostics, rule_evidence
    from generator.enrich.taxonomy import load_taxonomy
    from generator.enrich.vectors import vectorize
    from generator.ingest.corpus import ListingCache, load_corpus
    from generator.site.outputs import records_json
    from generator.site.render import Renderer

    out = io.StringIO()
    state: dict[str, Any] = {}

    def parse() -> None:
        state["corpus"] = load_corpus(inputs.corpus, ListingCache())

    def tags() -> None:
        taxonomy, problems = load_taxonomy(inputs.taxonomy)
        state["taxonomy"], state["problems"] = taxonomy, problems
        state["evidence"] = rule_evidence(taxonomy, state["corpus"].papers)

    def related() -> None:
        papers = state["corpus"].papers
        space = vectorize(papers)
        given = assign(
            state["taxonomy"], [p.id for p in papers], state["evidence"], space.semantic, space.centre
        )
        state["tags"], state["inferred"] = given.tags, given.inferred
        found = nearest(papers, space=space)
        state["related"] = related_from(found, papers, state["tags"])
        state["topics"] = group_untagged(papers, space, state["tags"], state["inferred"])

    def mention() -> None:
        state["mentions"] = mentions(state["corpus"].papers)
        state["backlinks"] = backlinks(state["mentions"])

    def render() -> None:
        corpus = state["corpus"]
        diagnostics = coverage_diagnostics(
            str(inputs.taxonomy),
            state["taxonomy"],
            corpus.papers,
            state["tags"],
            state["inferred"],
            state["topics"],
        )
        atlas = Atlas(
            corpus,
            state["taxonomy"],
            state["tags"],
            state["related"],
            state["mentions"],
            state["backlinks"],
            (*corpus.diagnostics, *state["problems"], *diagnostics),
            state["inferred"],
            state["topics"].topics,
            state["topics"].unsorted,
        )
        renderer = Renderer(atlas, inputs.templates)
        for _ in renderer.documents():
            pass
        for _ in renderer.listings.data_files():
            pass
        records_json(atlas, renderer.routes)

    for name, step in (
        ("parse", parse),
        ("tags", tags),
        ("related", related),
        ("mentions", mention),
        ("render", render),
    ):
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.runcall(step)
        seconds = time.perf_counter() - started
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text)
        stats.sort_stats("tottime").print_stats(top)
        out.write(f"### {name} ({seconds:.1f} s under the profiler)\n\n```\n")
        out.write(_trim_profile(text.getvalue()))
        out.write("```\n\n")
    return out.getvalue()


def _trim_profile(text: str) -> str:
    """pstats output from the header row on, with long site-packages paths shortened."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
    kept = [re.sub(r"\S*/(site-packages|lib/python3\.\d+)/", "", line) for line in lines[start:]]
    kept = [line.replace(str(REPO) + "/", "") for line in kept if line.strip()]
    return "\n".join(kept) + "\n"


# -- the parent side ------------------------------------------------------------------------------------


@dataclass
class Row:
    n: int
    stage: str
    seconds: float
    peak_rss_mb: float
    note: str = ""


@dataclass
class SizeResult:
    n: int
    rows: list[Row] = field(default_factory=list)
    floor_seconds: float = 0.0
    build_seconds: float = 0.0
    generated_seconds: float | None = None
    incremental: dict[str, Any] = field(default_factory=dict)
    heaviest: list[tuple[str, int]] = field(default_factory=list)  # (site path, bytes), heaviest first
    vector_cache: str = "cold"


def _child(
    args: Sequence[str], cwd: Path | None = None, env: dict[str, str] | None = None
) -> tuple[dict[str, Any], float, float]:
    cmd = [sys.executable, "-m", "benchmarks.run", *args]
    m = run_measured(cmd, cwd=cwd or REPO, env={**os.environ, "PYTHONHASHSEED": "0", **(env or {})}).check(
        " ".join(args[:2])
    )
    return json.loads(m.stdout.strip().splitlines()[-1]), m.seconds, m.peak_rss_mb


def write_project(root: Path, corpus: Path) -> Path:
    """The repository's docs/ and mkdocs.yml, the plugin pointed at ``corpus`` (like tests/test_site.py)."""
    shutil.copytree(REPO / "docs", root / "docs")
    config = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    for key, value in (
        ("corpus", corpus),
        ("taxonomy", REPO / "taxonomy.yml"),
        ("templates", REPO / "templates"),
    ):
        config, count = re.subn(rf"(?m)^(\s+{key}:\s*).*$", rf"\g<1>{value}", config, count=1)
        if count != 1:
            raise ValueError(f"mkdocs.yml: no '{key}:' option to rewrite")
    (root / "mkdocs.yml").write_text(config, encoding="utf-8")
    return root / "mkdocs.yml"


def heaviest_pages(site: Path, top: int = 3) -> list[tuple[str, int]]:
    """The ``top`` largest HTML pages of a built site, as (path in the site, bytes), heaviest first."""
    sizes = [(path.stat().st_size, path.relative_to(site).as_posix()) for path in site.rglob("*.html")]
    sizes.sort(key=lambda sp: (-sp[0], sp[1]))
    return [(path, size) for size, path in sizes[:top]]


def new_listing(n: int, seed: int, path: Path) -> None:
    """A listing of papers the corpus of N does not hold (titles N.. of a larger synthetic run)."""
    papers = generate_papers(n + INCREMENTAL_PAPERS, seed)[n:]
    path.write_text(render_compact(papers), encoding="utf-8")


def bench_size(
    n: int,
    seed: int,
    work: Path,
    repeat: int,
    log: Callable[[str], None],
    vector_cache: str = "cold",
    keep_site: Path | None = None,
) -> SizeResult:
    result = SizeResult(n, vector_cache=vector_cache)
    corpus = work / "corpus"
    state = work / "state"
    state.mkdir()
    stats = write_corpus(corpus, n, seed)
    log(f"N={n}: {stats.n_files} files, {stats.n_entries} entries, {stats.total_bytes / 1e6:.1f} MB")
    common = ["--corpus", str(corpus), "--state", str(state)]
    for name in STAGES:
        out, wall, peak = _child(["stage", name, *common])
        note = f"child wall {wall:.1f} s; RSS at start of stage {out['rss_before_mb']:.0f} MB"
        if name == "map":
            note += (
                f"; layout {out['layout_seconds']:.1f} s ({out['landmarks']:,} landmarks by t-SNE); "
                f"before first paint {out['first_paint_bytes'] / 1e6:.2f} MB, "
                f"gzip {out['first_paint_gzip_bytes'] / 1e6:.2f} MB; "
                f"{out['other_files']} lazy files {out['other_bytes'] / 1e6:.1f} MB, "
                f"gzip {out['other_gzip_bytes'] / 1e6:.1f} MB"
            )
        result.rows.append(Row(n, name, out["seconds"], peak, note))
        log(f"  {name:<12} {out['seconds']:8.2f} s  {peak:8.0f} MB  ({note})")
    shutil.rmtree(state)

    project = work / "project"
    config = write_project(project, corpus)
    cmd = [sys.executable, "-m", "mkdocs", "build", "-f", str(config), "-d", str(project / "site")]
    # cold: every build encodes every paper (a fresh clone, CI without a cache hit); warm: the
    # vector cache holds every paper's vector before the first measured build (a CI cache hit).
    cache_env = {"PAPER_ATLAS_CACHE": "off"}
    if vector_cache == "warm":
        cache_env = {"PAPER_ATLAS_CACHE": str(work / "vector-cache")}
        _child(["prime", "--corpus", str(corpus), "--state", str(work / "vector-cache")])
    builds: list[tuple[float, float, float | None, float]] = []  # seconds, peak RSS, generation, CPU
    floors: list[tuple[float, float, float]] = []  # seconds, peak RSS, CPU
    for _ in range(repeat):  # alternately, so that a noisy spell on the machine hits both
        shutil.rmtree(project / "site", ignore_errors=True)
        m = run_measured(cmd, cwd=project, env={**os.environ, "NO_MKDOCS_2_WARNING": "1", **cache_env}).check(
            "mkdocs build"
        )
        found = _GENERATED.findall(m.stderr)
        builds.append((m.seconds, m.peak_rss_mb, sum(map(float, found)) if found else None, m.cpu_seconds))
        log(
            f"  {'mkdocs build':<12} {m.seconds:8.2f} s  {m.peak_rss_mb:8.0f} MB; generation {builds[-1][2]};"
            f" CPU {m.cpu_seconds:.1f} s"
        )
        floor = run_floor(n, seed)
        floors.append((floor.seconds, floor.peak_rss_mb, floor.cpu_seconds))
        log(
            f"  {'floor':<12} {floor.seconds:8.2f} s  {floor.peak_rss_mb:8.0f} MB;"
            f" CPU {floor.cpu_seconds:.1f} s"
        )
    heaviest = heaviest_pages(project / "site")
    log("  heaviest pages: " + ", ".join(f"{path} {size / 1000:.0f} KB" for path, size in heaviest))
    if keep_site is not None:  # the last build's site, for checks in a browser (benchmarks/map_smoothness.py)
        shutil.rmtree(keep_site, ignore_errors=True)
        shutil.move(project / "site", keep_site)
    shutil.rmtree(project)
    build_seconds, _, result.generated_seconds, _ = min(builds, key=lambda b: b[0])
    result.heaviest = heaviest
    result.build_seconds = build_seconds
    result.floor_seconds = min(f[0] for f in floors)
    runs = "" if repeat == 1 else f"fastest of {repeat}: " + ", ".join(f"{b[0]:.1f}" for b in builds) + " s; "
    floor_runs = (
        "" if repeat == 1 else f"fastest of {repeat}: " + ", ".join(f"{f[0]:.1f}" for f in floors) + " s; "
    )
    gen = (
        f"the plugin's generation {result.generated_seconds:.1f} s of it" if result.generated_seconds else ""
    )
    # CPU seconds (every process of the build) over the floor's: what the machine's load cannot
    # inflate; on an idle machine the wall-time ratio is at most about this (the helper overlaps).
    build_cpu, floor_cpu = min(b[3] for b in builds), min(f[2] for f in floors)
    gen += f"; CPU {build_cpu:.1f} s, {build_cpu / max(floor_cpu, 1e-9):.2f}x the floor's {floor_cpu:.1f} s"
    result.rows.append(Row(n, "mkdocs build (whole)", build_seconds, max(b[1] for b in builds), runs + gen))
    result.rows.append(
        Row(
            n,
            "floor",
            result.floor_seconds,
            max(f[1] for f in floors),
            floor_runs + "plain mkdocs build of N pages",
        )
    )

    new_file = work / INCREMENTAL_FILE
    new_listing(n, seed, new_file)
    out, _, peak = _child(["incremental", *common, "--new-file", str(new_file)], env=cache_env)
    out["peak_rss_mb"] = peak
    result.incremental = out
    rebuild = out["rebuild"]["total"]
    mkdocs_only = build_seconds - (result.generated_seconds or 0.0)
    share = rebuild / (rebuild + mkdocs_only) if rebuild + mkdocs_only > 0 else 0.0
    out["mkdocs_only_seconds"] = mkdocs_only
    out["share"] = share
    result.rows.append(
        Row(
            n,
            "incremental rebuild (generator)",
            rebuild,
            peak,
            f"+{INCREMENTAL_PAPERS} papers in a new file: {out['files_reparsed']} file parsed, "
            f"{out['tags_reused']:,} papers' tags reused; full generation {out['full']['total']:.1f} s; "
            f"{share:.0%} of a serve rebuild (+{mkdocs_only:.0f} s MkDocs)",
        )
    )
    log(f"  incremental  {rebuild:8.2f} s  ({json.dumps(_rounded(out['rebuild']))}); share {share:.0%}")
    return result


def _rounded(timings: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 2) for k, v in timings.items()}


_ROW = re.compile(r"^\| ([0-9,]+) \| ")


def _merged(old: list[tuple[int, str]], new: list[tuple[int, str]], measured: set[int]) -> list[str]:
    """A table's rows by size: the earlier rows of sizes not measured now, then this run's (a stable
    sort keeps each size's rows in their order)."""
    rows = [(n, line) for n, line in old if n not in measured] + new
    return [line for _, line in sorted(rows, key=lambda nl: nl[0])]


def render_results(
    results: Sequence[SizeResult], profile: str | None, profiled_n: int | None, previous: str = ""
) -> str:
    """The results block; with ``previous`` (an earlier block), its rows for other sizes are kept."""
    measured = {r.n for r in results}
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    when = time.strftime("%Y-%m-%d %H:%M")
    runs = [
        f"- N = {r.n:,}: measured {when}, vector cache {r.vector_cache} (load average at the end {load})"
        for r in results
    ]
    old_runs, old_rows, old_incremental, old_heavy, old_profile = _parse_block(previous)
    runs += [line for n, line in old_runs if n not in measured]
    lines = [
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}; "
        "written by `python -m benchmarks.run`; other work on the machine shows up as noise.",
        "",
        *sorted(runs, key=_size_of),
        "",
        "Seconds of a generator stage are its own time in a fresh child process that loads its inputs",
        "(earlier stages' results) from pickles; its peak RSS is that child's, inputs included. The",
        "`mkdocs build` row is the whole build (generation included) with the repository's config;",
        "÷ floor is seconds divided by the floor's seconds for the same N; peak RSS of a build is the",
        "whole process tree's (the generator's helper process included).",
        "",
        "| N | stage | seconds | peak RSS MB | ÷ floor | notes |",
        "|---:|---|---:|---:|---:|---|",
    ]
    rows: list[tuple[int, str]] = []
    for r in results:
        for row in r.rows:
            ratio = row.seconds / r.floor_seconds if r.floor_seconds else 0.0
            mark = f"**{ratio:.2f}**" if row.stage.startswith("mkdocs build") else f"{ratio:.2f}"
            cells = f"{row.seconds:.2f} | {row.peak_rss_mb:,.0f} | {mark}"
            rows.append((r.n, f"| {row.n:,} | {row.stage} | {cells} | {row.note} |"))
    lines += _merged(old_rows, rows, measured)
    lines += [
        "",
        "Incremental rebuild (one new listing file; seconds per stage, in one process with the plugin's",
        "caches: related papers run in a second process as in the plugin, so their column is the wait;",
        "render is every page rendered in this process, which the plugin does ahead on the other core):",
        "",
        "| N | build | parse | tags | related | mentions | render | total |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    incremental: list[tuple[int, str]] = []
    for r in results:
        for which in ("full", "rebuild"):
            t = r.incremental.get(which, {})
            cells = " | ".join(
                f"{t.get(k, 0.0):.2f}" for k in ("parse", "tags", "related", "mentions", "render", "total")
            )
            incremental.append((r.n, f"| {r.n:,} | {which} | {cells} |"))
    lines += _merged(old_incremental, incremental, measured)
    lines += [
        "",
        "Heaviest HTML pages of the whole build (bytes on disk, uncompressed; the limit is 300 KB):",
        "",
        "| N | heaviest HTML page | KB | next heaviest |",
        "|---:|---|---:|---|",
    ]
    heavy: list[tuple[int, str]] = []
    for r in results:
        if r.heaviest:
            (path, size), rest = r.heaviest[0], r.heaviest[1:]
            others = ", ".join(f"`{p}` {b / 1000:.0f} KB" for p, b in rest)
            heavy.append((r.n, f"| {r.n:,} | `{path}` | {size / 1000:.0f} | {others} |"))
    lines += _merged(old_heavy, heavy, measured)
    if profile:
        lines += [
            "",
            f"## Profile of the generator stages at N = {profiled_n:,} (cProfile, by own time)",
            "",
            profile,
        ]
    elif old_profile:
        lines += ["", old_profile]
    return "\n".join(lines).rstrip() + "\n"


def _size_of(line: str) -> int:
    found = re.search(r"N = ([0-9,]+)", line)
    return int(found.group(1).replace(",", "")) if found else 0


def _parse_block(
    block: str,
) -> tuple[list[tuple[int, str]], list[tuple[int, str]], list[tuple[int, str]], list[tuple[int, str]], str]:
    """An earlier results block as (run lines, main rows, incremental rows, heaviest-page rows,
    profile section) by size."""
    runs: list[tuple[int, str]] = []
    rows: list[tuple[int, str]] = []
    incremental: list[tuple[int, str]] = []
    heavy: list[tuple[int, str]] = []
    table = rows
    profile = ""
    lines = block.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("## Profile"):
            profile = "\n".join(lines[i:]).strip()
            break
        if line.startswith("- N = "):
            runs.append((_size_of(line), line))
        elif line.startswith("| N | build |"):
            table = incremental
        elif line.startswith("| N | heaviest"):
            table = heavy
        elif found := _ROW.match(line):
            table.append((int(found.group(1).replace(",", "")), line))
    # A block from before the per-size lines: one date and load for all its sizes.
    dated = re.search(r"written (\S+ \S+) by .*?load average at the end: ([0-9., ]+?);", block, re.S)
    if dated and not runs:
        sizes = sorted({n for n, _ in rows})
        runs = [(n, f"- N = {n:,}: measured {dated[1]} (load average at the end {dated[2]})") for n in sizes]
    return runs, rows, incremental, heavy, profile


def read_block(path: Path) -> str:
    """The results block of ``path`` (between the markers), or nothing."""
    if not path.exists():
        return ""
    text = path.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        return ""
    return text.split(BEGIN, 1)[1].split(END, 1)[0]


def write_results(path: Path, body: str) -> None:
    block = f"{BEGIN}\n\n{body}\n{END}\n"
    if path.exists():
        text = path.read_text(encoding="utf-8")
        if BEGIN in text and END in text:
            before, rest = text.split(BEGIN, 1)
            after = rest.split(END, 1)[1]
            path.write_text(before + block + after.lstrip("\n"), encoding="utf-8")
            return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"# Scale benchmark results\n\n{block}", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] in (["stage"], ["incremental"], ["profile"], ["prime"]):
        return child_main(args)
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", help="comma-separated N (default 1000,10000,100000; 1000 with --quick)")
    parser.add_argument(
        "--quick", action="store_true", help="small sizes, no profile, results to benchmarks/out/"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="results file (default benchmarks/RESULTS.md)")
    parser.add_argument("--profile", action=argparse.BooleanOptionalAction, help="profile the largest N")
    parser.add_argument(
        "--keep-site",
        type=Path,
        help="move the last whole build's site here (with one size), for browser checks",
    )
    parser.add_argument("--work", type=Path, help="work folder (default: a temporary one, removed after)")
    parser.add_argument(
        "--repeat", type=int, default=1, help="whole build and floor this many times each (fastest reported)"
    )
    parser.add_argument(
        "--vector-cache",
        choices=("cold", "warm"),
        default="cold",
        help="whole builds without the semantic-vector cache (default) or with it filled beforehand",
    )
    parser.add_argument(
        "--merge",
        action="store_true",
        help="keep the results of other sizes (and the profile) already in --out",
    )
    parsed = parser.parse_args(args)
    sizes = [int(s) for s in (parsed.sizes or ("1000" if parsed.quick else "1000,10000,100000")).split(",")]
    out = parsed.out or (QUICK_RESULTS if parsed.quick else RESULTS)
    # A merge re-measures some sizes: it keeps the profile already there unless asked for one.
    profile = parsed.profile if parsed.profile is not None else not (parsed.quick or parsed.merge)
    work = parsed.work or Path(tempfile.mkdtemp(prefix="atlas-bench-"))

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    results: list[SizeResult] = []
    profile_text: str | None = None
    previous = read_block(out) if parsed.merge else ""
    try:
        for n in sizes:
            folder = work / f"n{n}"
            if folder.exists():
                shutil.rmtree(folder)
            folder.mkdir(parents=True)
            results.append(
                bench_size(n, parsed.seed, folder, parsed.repeat, log, parsed.vector_cache, parsed.keep_site)
            )
            if profile and n == max(sizes):
                log(f"  profiling the generator stages at N={n}")
                state = folder / "state"
                state.mkdir()
                m = run_measured(
                    [
                        sys.executable,
                        "-m",
                        "benchmarks.run",
                        "profile",
                        "--corpus",
                        str(folder / "corpus"),
                        "--state",
                        str(state),
                    ],
                    cwd=REPO,
                ).check("profile")
                profile_text = m.stdout
            shutil.rmtree(folder)
            body = render_results(results, profile_text, max(sizes) if profile_text else None, previous)
            write_results(out, body)
    finally:
        if parsed.work is None:
            shutil.rmtree(work, ignore_errors=True)
    log(f"results written to {out}")
    return 0


def child_main(args: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run (child)")
    parser.add_argument("command", choices=("stage", "incremental", "profile", "prime"))
    parser.add_argument("stage", nargs="?", choices=STAGES)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--state", type=Path, required=True)
    parser.add_argument("--taxonomy", type=Path, default=REPO / "taxonomy.yml")
    parser.add_argument("--templates", type=Path, default=REPO / "templates")
    parser.add_argument("--new-file", type=Path)
    parser.add_argument("--top", type=int, default=12)
    parsed = parser.parse_args(args)
    inputs = Inputs(parsed.corpus, parsed.taxonomy, parsed.templates, parsed.state)
    if parsed.command == "prime":  # fill the vector cache in --state with the corpus's vectors
        from generator.enrich.embed import VectorCache, paper_vectors
        from generator.ingest.corpus import load_corpus

        cache = VectorCache(parsed.state)
        paper_vectors(load_corpus(parsed.corpus).papers, cache)
        print(json.dumps({"misses": cache.misses}))
        return 0
    if parsed.command == "profile":
        sys.stdout.write(profile_stages(inputs, parsed.top))
        return 0
    if parsed.command == "incremental":
        if parsed.new_file is None:
            parser.error("incremental needs --new-file")
        result = run_incremental(inputs, parsed.new_file)
    else:
        if parsed.stage is None:
            parser.error("stage needs a stage name")
        result = run_stage(parsed.stage, inputs)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
