"""Property-based fuzzing of the corpus reader and the whole build (Hypothesis).

Random listing files mix good entries (a title and a complete abstract, each block on its own
lines) with hostile blocks: random text from all of Unicode (controls and noncharacters included),
random bytes, and lines built to hurt (counts of thousands of digits, impossible dates, long
dotted lines, stray metadata). Whatever the mix:

* ``check`` ends within a time bound, and so does ``mkdocs build --strict``, which succeeds;
* every good entry is kept, with its title and abstract;
* every problem is reported at a line of the file, and every hostile line is either read into
  the listing (header, entry, metadata) or reported at its line;
* what the build writes parses: HTML (by the Nu Html Checker where Java is present, else html5lib),
  the feeds as XML, the data files as JSON, BibTeX by bibtexparser; and no forbidden character
  (control, noncharacter) appears in any of it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from generator.cli import main
from generator.ingest.corpus import ListingCache, load_corpus
from generator.ingest.listing import Kind, parse_listing, split_lines
from generator.ingest.text import decode, has_forbidden, scrub
from generator.model import Severity

from .conftest import FIXTURES, ROOT, build_fixture_site

TAXONOMY = FIXTURES / "site" / "taxonomy.yml"
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
CHECK_SECONDS = 20  # `check` of one fuzzed file (a few dozen lines, some of 100 KB)
BUILD_SECONDS = 240  # `mkdocs build --strict` of the fixture corpus plus one fuzzed file
MARK = "Zqxj"  # in every good title, never in a hostile block

HURTFUL = [
    "  • " + "9" * 5000 + " authors",
    "May 2, 2023 " + "9" * 5000,
    "Oct 30, 2025 1" + "0" * 30,
    "  • 0 authors",
    "  • ٣ authors",
    "Feb 30, 2023",
    "Smarch 45",
    "·",
    "  • many authors",
    " ".join(["a.b.c.d-e"] * 12_000),  # 100 KB of dotted words with no full stop
    "Cite",
    "__drawer",
    "{{ 7*7 }} {% raw %} <script>alert(1)</script> ]]> --> \\end{document}",
    "C++",
    "***",
    "\u200b",
    "\ufeff\ufffe\U0010ffff\x85\x0c\x1b[31m",
]


@dataclass(frozen=True)
class Fuzzed:
    data: bytes
    good: tuple[tuple[str, str], ...]  # (title, abstract) of every good entry
    hostile_lines: tuple[int, ...]  # first line of every hostile block


def good_entry(i: int, topic: str) -> tuple[str, str]:
    title = f"{MARK} paper {i} on {topic}"
    abstract = (
        f"This abstract number {i} is complete and says what the paper does. It studies {topic} "
        "with enough words to read as prose."
    )
    return title, abstract


topics = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", min_size=3, max_size=20).map(
    lambda t: " ".join(t.split()) or "things"
)
hostile_text = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\n"), max_size=300)
hostile_block = st.one_of(
    hostile_text.map(lambda t: t.encode("utf-8")),
    st.binary(max_size=40).filter(lambda b: b"\n" not in b),
    st.sampled_from(HURTFUL).map(lambda t: t.encode("utf-8")),
)


# Titles of entries that are whole (a title and a complete abstract) but hostile in their title.
HOSTILE_TITLES = ["Cite", "__drawer", "__search", "pa-map", "Learning C++", "Learning C#", "***", "🚀",
                  "A\x07Bell\x85Next\ufffeEnd\rCR", "{{ 7*7 }} <script>alert(1)</script> ]]> --> }"]  # fmt: skip
hostile_title = st.one_of(
    st.sampled_from(HOSTILE_TITLES),
    st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\n\r"), min_size=1, max_size=50),
)


def hostile_entry(j: int, title: str) -> bytes:
    abstract = f"This hostile entry {j} has a complete abstract. It reads as prose of a sufficient length."
    return f"{title}\n{abstract}".encode()


def assemble(good: list[tuple[str, str]], blocks: list[bytes]) -> Fuzzed:
    """``good`` entries first, then ``blocks`` (a hostile line, or a hostile entry), each block
    followed by a blank line."""
    return _join(
        [("good", i) for i in range(len(good))] + [("bad", i) for i in range(len(blocks))], good, blocks
    )


def _join(order: list[tuple[str, int]], good: list[tuple[str, str]], blocks: list[bytes]) -> Fuzzed:
    lines: list[bytes] = []
    starts: list[int] = []
    for kind, i in order:
        if kind == "good":
            lines += [good[i][0].encode(), good[i][1].encode()]
        else:
            starts.append(len(lines) + 1)
            lines += blocks[i].split(b"\n")
        lines.append(b"")  # every block ends with a blank line
    return Fuzzed(b"\n".join(lines) + b"\n", tuple(good), tuple(starts))


@st.composite
def listings(draw: st.DrawFn, entries: bool = False) -> Fuzzed:
    good = [good_entry(i, draw(topics)) for i in range(draw(st.integers(1, 8)))]
    blocks = draw(st.lists(hostile_block, max_size=len(good)))
    if entries:
        blocks += [hostile_entry(j, t) for j, t in enumerate(draw(st.lists(hostile_title, max_size=4)))]
    for block in blocks:
        assume(MARK.encode() not in block)
    kinds = [("good", i) for i in range(len(good))] + [("bad", i) for i in range(len(blocks))]
    return _join(draw(st.permutations(kinds)), good, blocks)


def accounted_lines(data: bytes) -> set[int]:
    """Lines the reader used (header, entry, metadata, organisation) or reported."""
    decoded = decode("fuzz.txt", data)
    used = {d.line for d in decoded.diagnostics}
    if decoded.text is None:
        return used
    listing = parse_listing("fuzz.txt", decoded.text)
    used |= {d.line for d in listing.diagnostics} | {h.number for h in listing.header}
    cut = [d.line for d in listing.diagnostics if d.kind == "cut-off"]  # one warning for the rest of the file
    used |= set(range(min(cut), data.count(b"\n") + 2)) if cut else set()
    used |= {n for e in listing.entries for n in (e.title_line, e.abstract_line)}
    orgs = {
        e.organization.handle
        if e.organization.name == e.organization.handle
        else f"{e.organization.handle} {e.organization.name}"
        for e in listing.entries
        if e.organization
    }
    for line in split_lines(scrub("fuzz.txt", decoded.text)[0]):
        if line.kind in (Kind.AUTHORS, Kind.SEPARATOR, Kind.DATE, Kind.BLANK) or line.text.strip() in orgs:
            used.add(line.number)
    return used


@settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(fuzzed=listings())
def test_check_keeps_every_good_entry_and_reports_every_problem_at_its_line(
    fuzzed: Fuzzed, tmp_path_factory: pytest.TempPathFactory
) -> None:
    corpus = tmp_path_factory.mktemp("corpus")
    path = corpus / "fuzz.txt"
    path.write_bytes(fuzzed.data)
    started = time.perf_counter()
    main(["check", "--corpus", str(corpus), "--taxonomy", str(TAXONOMY), "-q"])
    assert time.perf_counter() - started < CHECK_SECONDS
    loaded = load_corpus(corpus, ListingCache())
    papers = {p.title: p for p in loaded.papers}
    for title, abstract in fuzzed.good:
        assert title in papers, [str(d) for d in loaded.diagnostics]
        assert papers[title].abstract == abstract
    line_count = fuzzed.data.count(b"\n")
    for d in loaded.diagnostics:
        assert 0 <= d.line <= line_count, str(d)
        assert d.line > 0 or d.severity is Severity.INFO or "no entries" in d.message, str(d)
    for p in loaded.papers:
        assert not has_forbidden(p.title + p.abstract + (p.organization.name if p.organization else ""))
    used = accounted_lines(fuzzed.data)
    assert not [n for n in fuzzed.hostile_lines if n not in used], [str(d) for d in loaded.diagnostics]


# -- the whole build ----------------------------------------------------------------------------------


def _build(work: Path, data: bytes) -> subprocess.CompletedProcess[str]:
    return build_fixture_site(work, {"fuzz.txt": data}, timeout=BUILD_SECONDS)


def _check_outputs(site: Path) -> list[Path]:
    """Parse every data file and feed; return the HTML pages."""
    import bibtexparser
    import html5lib

    fuzz_pages: list[Path] = []
    for path in sorted(site.rglob("*")):
        if not path.is_file() or path.suffix not in (".html", ".xml", ".json", ".bib", ".md", ".txt"):
            continue
        text = path.read_text(encoding="utf-8")
        assert not has_forbidden(text.replace("\t", " ").replace("\r", " ")), path
        if path.suffix == ".json":
            json.loads(text)
        elif path.suffix == ".xml":
            ET.fromstring(text.encode("utf-8"))
        elif path.suffix == ".bib":
            library = bibtexparser.parse_string(text)
            assert not library.failed_blocks, (path, library.failed_blocks[:1])
        elif path.suffix == ".html":
            html5lib.HTMLParser(strict=False).parse(text)
            fuzz_pages.append(path)
    return fuzz_pages


# Every hostile title at once, after one good entry: always run, whatever Hypothesis draws.
EVERY_HOSTILE_TITLE = assemble(
    [good_entry(0, "fixed examples")], [hostile_entry(j, t) for j, t in enumerate(HOSTILE_TITLES)]
)


@pytest.mark.e2e
@example(fuzzed=EVERY_HOSTILE_TITLE)
@settings(
    max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(fuzzed=listings(entries=True))
def test_the_strict_build_succeeds_and_everything_it_writes_parses(
    fuzzed: Fuzzed, tmp_path_factory: pytest.TempPathFactory
) -> None:
    work = tmp_path_factory.mktemp("fuzz-site")
    started = time.perf_counter()
    result = _build(work, fuzzed.data)
    assert result.returncode == 0, result.stderr[-3000:]
    assert time.perf_counter() - started < BUILD_SECONDS
    site = work / "site"
    papers = json.loads((site / "papers.json").read_text(encoding="utf-8"))["papers"]
    titles = {p["title"] for p in papers}
    assert {title for title, _ in fuzzed.good} <= titles
    pages = _check_outputs(site)
    assert len(pages) > len(fuzzed.good)
    if VNU_JAR.is_file() and shutil.which("java"):
        done = subprocess.run(
            ["java", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", "--stdout", *map(str, pages)],
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        messages = json.loads(done.stdout)["messages"]
        errors = [
            m
            for m in messages
            if not (
                m.get("message", "").startswith("Attribute “autocomplete” is only allowed")
            )  # Material's, see .ci
        ]
        assert not errors, errors[:3]
