"""The header variants of the listing site, one fixture each: what the parser finds in them, exactly.

The parser reads headers by structure (short lines before the first title and abstract), so none of
these needs a rule of its own; each test pins the entries, their fields and the (absence of) diagnostics.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from generator.ingest.corpus import ListingCache, load_corpus
from generator.ingest.listing import parse_listing
from generator.model import Organization

from .conftest import FIXTURES

LAYOUTS = FIXTURES / "layouts"

Date = tuple[int, int, int | None]  # month, day, year (None: year-less)


@dataclass(frozen=True)
class Entry:
    line: int  # of the title; the abstract is the next non-blank line
    title: str
    authors: int | None = None
    organization: Organization | None = None
    date: Date | None = None
    upvotes: int | None = None


@dataclass(frozen=True)
class Variant:
    fixture: str
    header: tuple[str, ...]
    capture: tuple[int, int] | None
    entries: tuple[Entry, ...]
    diagnostics: tuple[str, ...] = ()


SPACED_BANNERS = ("new", "Get trending papers in your email inbox!", "Subscribe")

VARIANTS = [
    Variant(
        "header-no-daily-papers",
        (*SPACED_BANNERS, "byAK and the research community"),
        None,
        (
            Entry(
                9,
                "Tactile Servoing for Grasping Deformable Produce with Low-Cost Grippers",
                4,
                None,
                (2, 11, 2025),
            ),
            Entry(
                17,
                "Coarse-to-Fine Docking of Flexible Ligands with Learned Contact Maps",
                None,
                Organization("deepmind", "Google DeepMind"),
                (1, 28, 2025),
                4,
            ),
        ),
    ),
    Variant(
        "header-byline-glued",
        (*SPACED_BANNERS, "Daily PapersbyAK and the research community"),
        None,
        (
            Entry(9, "Curriculum Design for Legged Robots Crossing Rubble", 3, None, (2, 20, 2024), 2),
            Entry(17, "Sparse Reward Shaping from Human Corrections"),  # no metadata: a normal shape
        ),
    ),
    Variant(
        "header-capture-date",
        (*SPACED_BANNERS, "Daily Papers", "byAK and the research community", "Apr 14"),
        (4, 14),
        (
            Entry(
                13,
                "Terrain-Aware Gait Switching for Quadrupeds from Proprioception Alone",
                5,
                None,
                (4, 9, None),
                12,
            ),
            Entry(21, "Learning Contact-Rich Assembly from Few Demonstrations", 2, None, (12, 30, None)),
            Entry(29, "Legged Odometry Without Foot Contact Sensors", 6, None, (3, 2, 2024), 7),
        ),
    ),
    Variant(
        "compact-two-banners",
        (
            "Get trending papers in your email inbox once a day!",
            "Get trending papers in your email inbox!",
            "Subscribe",  # split off the first title
        ),
        None,
        (
            Entry(3, "4-bit Shampoo for Memory-Efficient Network Training"),
            Entry(5, "Scaling Laws for Associative Memories"),
            Entry(7, "Pointer Networks"),
        ),
        ('compact-two-banners.txt:3: info: split banner word "Subscribe" from the first title',),
    ),
    Variant(
        "one-authors",
        (*SPACED_BANNERS, "Daily Papers", "byAK and the research community"),
        None,
        (
            Entry(11, "Single-Author Notes on Residual Scaling", 1, None, (8, 5, 2024)),  # "• 1 authors"
            Entry(19, "Two Authors on Width Limits", 2, None, (1, 31, 2024), 1),
        ),
    ),
]


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.fixture for v in VARIANTS])
def test_header_variant(variant: Variant) -> None:
    name = f"{variant.fixture}.txt"
    text = (LAYOUTS / name).read_text(encoding="utf-8")
    lines = text.splitlines()
    listing = parse_listing(name, text)

    assert tuple(h.text for h in listing.header) == variant.header
    capture = listing.capture_date
    assert (capture and (capture.month, capture.day)) == variant.capture
    got = [
        Entry(
            e.title_line,
            e.title,
            e.authors,
            e.organization,
            e.date and (e.date.month, e.date.day, e.date.year),
            e.upvotes,
        )
        for e in listing.entries
    ]
    assert got == list(variant.entries)
    for e in listing.entries:  # the abstract is the next non-blank line, whole
        after = next(n for n in range(e.title_line, len(lines)) if lines[n].strip()) + 1
        assert (e.abstract_line, e.abstract) == (after, lines[after - 1])
    assert [str(d) for d in listing.diagnostics] == list(variant.diagnostics)


def test_capture_date_line_bounds_year_less_dates(make_corpus) -> None:
    """``Apr 14`` after the byline: ``Dec 30`` comes later in the year, so it is from the year before."""
    corpus = make_corpus({"x.txt": (LAYOUTS / "header-capture-date.txt").read_bytes()})
    papers = {p.title: p.published for p in load_corpus(corpus, ListingCache()).papers}
    assert papers == {
        "Terrain-Aware Gait Switching for Quadrupeds from Proprioception Alone": "2025-04-09",
        "Learning Contact-Rich Assembly from Few Demonstrations": "2024-12-30",
        "Legged Odometry Without Foot Contact Sensors": "2024-03-02",
    }


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.fixture for v in VARIANTS])
def test_header_wording_does_not_matter(variant: Variant) -> None:
    """By structure, not by exact strings: other short header lines give the same entries."""
    name = f"{variant.fixture}.txt"
    text = (LAYOUTS / name).read_text(encoding="utf-8")
    lines = text.splitlines()
    first_title = min(e.line for e in variant.entries)
    for n in range(first_title - 1):
        if lines[n].strip() and lines[n].strip() not in ("Subscribe", "Apr 14"):
            lines[n] = f"Some other banner {n}"
    reworded = parse_listing(name, "\n".join(lines) + "\n")
    original = parse_listing(name, text)
    assert reworded.entries == original.entries
    assert reworded.capture_date == original.capture_date
    assert reworded.diagnostics == original.diagnostics
