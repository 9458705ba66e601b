"""A capture cut off at any point: one warning at the line where the unfinished entry starts, and
every complete entry before it kept."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from generator.ingest.corpus import ListingCache, load_corpus
from generator.ingest.listing import CUT_OFF, parse_listing
from generator.model import Organization, Severity

from .conftest import FIXTURES

LAYOUTS = FIXTURES / "layouts"
SPACED = (LAYOUTS / "spaced.txt").read_text(encoding="utf-8")
COMPACT = (LAYOUTS / "compact-two-banners.txt").read_text(encoding="utf-8")
DATED = (LAYOUTS / "header-capture-date.txt").read_text(encoding="utf-8")

LAST_SPACED = "A Paper From Earlier This Year"  # line 33; its abstract is line 35, its metadata 37-39
LONG_ABSTRACT = COMPACT.splitlines()[7]  # the last entry's abstract (302 characters)


def cut(text: str, after: str) -> str:
    """The text up to and including the last occurrence of ``after``: where the capture stopped."""
    return text[: text.rindex(after) + len(after)]


@dataclass(frozen=True)
class Cut:
    name: str
    text: str
    kept: (
        int  # entries kept, all complete ones before the cut (and the cut one, if only its metadata was cut)
    )
    warning: str  # the one diagnostic besides the banner info, exactly
    last: tuple[object, ...] | None = None  # (title, authors, organization, date) of the last entry kept


def cut_off(line: int, what: str, path: str = "x.txt") -> str:
    return f"{path}:{line}: warning: {CUT_OFF}: {what}"


CUTS = [
    Cut(
        "inside-title",
        cut(SPACED, "A Paper Fro"),
        3,
        cut_off(33, '"A Paper Fro" has no abstract; skipped'),
    ),
    Cut(
        "after-title",
        cut(SPACED, LAST_SPACED) + "\n\n",
        3,
        cut_off(33, f'"{LAST_SPACED}" has no abstract; skipped'),
    ),
    Cut(
        "inside-short-abstract",
        cut(SPACED, "Year-less dates after the capture da"),
        3,
        cut_off(33, f'the abstract of "{LAST_SPACED}" is cut short; skipped'),
    ),
    Cut(
        "inside-long-abstract",  # 280 characters: reads as prose, but stops mid-word with nothing after
        cut(COMPACT, LONG_ABSTRACT[:280]),
        2,
        cut_off(7, 'the abstract of "Pointer Networks" is cut short; skipped'),
    ),
    Cut(
        "inside-author-count",
        cut(SPACED, "  • 12 aut"),
        4,
        cut_off(33, f'the metadata of "{LAST_SPACED}" is cut short; kept without the cut part'),
        (LAST_SPACED, None, None, None),
    ),
    Cut(
        "after-author-count",
        cut(SPACED, "  • 12 authors\n"),
        4,
        cut_off(33, f'the metadata of "{LAST_SPACED}" is cut short; kept without the cut part'),
        (LAST_SPACED, 12, None, None),
    ),
    Cut(
        "after-separator",
        cut(SPACED, "  • 12 authors\n·"),
        4,
        cut_off(33, f'the metadata of "{LAST_SPACED}" is cut short; kept without the cut part'),
        (LAST_SPACED, 12, None, None),
    ),
    Cut(
        "inside-date-month",
        cut(SPACED, "·\nDe"),
        4,
        cut_off(33, f'the metadata of "{LAST_SPACED}" is cut short; kept without the cut part'),
        (LAST_SPACED, 12, None, None),
    ),
    Cut(
        "inside-date-year",
        cut(DATED, "Mar 2, 20"),
        3,
        cut_off(
            29,
            'the metadata of "Legged Odometry Without Foot Contact Sensors" is cut short; kept without the cut part',
        ),
        ("Legged Odometry Without Foot Contact Sensors", 6, None, None),
    ),
    Cut(
        "after-organization",  # the organisation line may itself be cut: not kept
        cut(SPACED, "moonshotai Moonshot AI"),
        2,
        cut_off(
            21,
            'the metadata of "Kimi Linear: An Expressive, Efficient Attention Architecture" is cut short; '
            "kept without the cut part",
        ),
        ("Kimi Linear: An Expressive, Efficient Attention Architecture", None, None, None),
    ),
    Cut(
        "after-organization-separator",
        cut(SPACED, "moonshotai Moonshot AI\n·\n"),
        2,
        cut_off(
            21,
            'the metadata of "Kimi Linear: An Expressive, Efficient Attention Architecture" is cut short; '
            "kept without the cut part",
        ),
        (
            "Kimi Linear: An Expressive, Efficient Attention Architecture",
            None,
            Organization("moonshotai", "Moonshot AI"),
            None,
        ),
    ),
]


@pytest.mark.parametrize("case", CUTS, ids=[c.name for c in CUTS])
def test_cut_off_capture_gets_one_warning_and_keeps_complete_entries(case: Cut) -> None:
    source = next(text for text in (SPACED, COMPACT, DATED) if text.startswith(case.text))
    whole = parse_listing("x.txt", source)
    listing = parse_listing("x.txt", case.text)
    problems = [d for d in listing.diagnostics if d.severity is not Severity.INFO]
    assert [str(d) for d in problems] == [case.warning]
    assert [(d.kind, d.severity) for d in problems] == [("cut-off", Severity.WARNING)]
    complete = case.kept - (case.last is not None)  # the entries before the cut one, unchanged
    assert listing.entries[:complete] == whole.entries[:complete]
    assert len(listing.entries) == case.kept
    if case.last is not None:
        e = listing.entries[-1]
        assert (e.title, e.authors, e.organization, e.date) == case.last
        assert e.abstract == whole.entries[case.kept - 1].abstract and e.upvotes is None


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("after-an-abstract", cut(SPACED, "to the previous year.")),  # a complete entry without metadata
        ("after-a-whole-date", SPACED),
        ("compact-complete", COMPACT),
        (
            "abstract-ends-in-a-url",
            COMPACT.rstrip("\n").removesuffix(".") + " Code: https://github.com/x/pointer\n",
        ),
        ("abstract-ends-in-a-bracket", COMPACT.rstrip("\n").removesuffix(".") + " (see the appendix)\n"),
    ],
)
def test_complete_ends_are_not_cut(name: str, text: str) -> None:
    listing = parse_listing("x.txt", text)
    assert [d for d in listing.diagnostics if d.severity is not Severity.INFO] == []


def test_a_cut_that_leaves_a_valid_date_is_not_seen() -> None:
    """``Dec 2 7`` cut to ``Dec 2``: a whole date, indistinguishable from one without upvotes."""
    listing = parse_listing("x.txt", cut(SPACED, "·\nDec 2"))
    assert listing.diagnostics == []
    last = listing.entries[-1]
    assert (last.title, last.date and (last.date.month, last.date.day), last.upvotes) == (
        LAST_SPACED,
        (12, 2),
        None,
    )


def test_a_missing_abstract_inside_the_file_is_still_an_error() -> None:
    text = SPACED.replace(
        "A Paper Captured Without Metadata", "A Title Alone\n\nA Paper Captured Without Metadata"
    )
    listing = parse_listing("x.txt", text)
    assert [str(d) for d in listing.diagnostics] == [
        'x.txt:29: error: title "A Title Alone" has no abstract (truncated entry?)'
    ]
    assert len(listing.entries) == 4


def test_cut_off_through_the_corpus(make_corpus) -> None:
    """One warning for the cut file (not an error: `check` still exits 0), and its complete papers loaded."""
    corpus = make_corpus({"cut.txt": cut(COMPACT, LONG_ABSTRACT[:200])})
    loaded = load_corpus(corpus, ListingCache())
    assert [str(d) for d in loaded.diagnostics if d.severity is not Severity.INFO] == [
        cut_off(7, 'the abstract of "Pointer Networks" is cut short; skipped', "corpus/cut.txt")
    ]
    assert loaded.errors == 0
    assert sorted(p.title for p in loaded.papers) == [
        "4-bit Shampoo for Memory-Efficient Network Training",
        "Scaling Laws for Associative Memories",
    ]


@pytest.mark.parametrize("fixture", sorted(p.stem for p in LAYOUTS.glob("*.txt")))
def test_cut_at_every_character(fixture: str) -> None:
    """Wherever the capture stops after its first title: no error, at most one warning (the cut-off one,
    naming the title line of the entry the cut fell in), and every entry before that entry kept unchanged."""
    text = (LAYOUTS / f"{fixture}.txt").read_text(encoding="utf-8")
    whole = parse_listing("x.txt", text)
    starts = [0]  # offset of each line
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    first = starts[whole.entries[0].title_line - 1] + len("Subscribe") * fixture.startswith("compact")
    for end in range(first + 1, len(text) + 1):
        listing = parse_listing("x.txt", text[:end])
        problems = [d for d in listing.diagnostics if d.severity is not Severity.INFO]
        started = [e for e in whole.entries if starts[e.title_line - 1] < end]
        before = len(started) - 1
        assert listing.entries[:before] == whole.entries[:before], end
        assert len(problems) <= 1, (end, problems)
        if problems:
            assert (problems[0].kind, problems[0].line) == ("cut-off", started[-1].title_line), (
                end,
                problems,
            )
