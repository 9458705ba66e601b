"""The listing parser on each layout, on bad input, and on random records (hypothesis)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.ingest.corpus import ListingCache, load_corpus
from generator.ingest.listing import Kind, parse_listing, split_lines
from generator.model import Organization, Severity

from .conftest import ATLAS_CORPUS, FIXTURES

LAYOUTS = FIXTURES / "layouts"
GOLDEN = FIXTURES / "golden"


def records_of(corpus_dir: Path) -> list[dict[str, object]]:
    return [p.to_json() for p in load_corpus(corpus_dir, ListingCache()).papers]


@pytest.mark.parametrize("layout", ["compact", "spaced"])
def test_layout_matches_golden_records(layout: str, make_corpus, update_golden: bool) -> None:
    corpus = make_corpus({f"{layout}.txt": (LAYOUTS / f"{layout}.txt").read_bytes()})
    got = json.dumps(records_of(corpus), indent=1, ensure_ascii=False) + "\n"
    golden = GOLDEN / f"records_{layout}.json"
    if update_golden:
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(got, encoding="utf-8")
    assert got == golden.read_text(encoding="utf-8")


def test_every_line_is_accounted_for() -> None:
    for path in sorted(LAYOUTS.glob("*.txt")) + sorted(ATLAS_CORPUS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        listing = parse_listing(str(path), text)
        used = {h.number for h in listing.header} | {d.line for d in listing.diagnostics}
        for e in listing.entries:
            used |= {e.title_line, e.abstract_line}
        lines = split_lines(text)
        meta = {line.number for line in lines if line.kind in (Kind.AUTHORS, Kind.SEPARATOR, Kind.DATE)}
        orgs = {e.title_line for e in listing.entries if e.organization}  # checked below by value
        missing = [
            line
            for line in lines
            if line.kind is not Kind.BLANK
            and line.number not in used | meta
            and line.text.strip()
            not in {
                f"{e.organization.handle} {e.organization.name}" for e in listing.entries if e.organization
            }
        ]
        assert not missing, f"{path}: lines neither parsed nor reported: {missing[:3]}"
        assert orgs is not None


def test_capture_year_and_dates() -> None:
    listing = parse_listing("spaced.txt", (LAYOUTS / "spaced.txt").read_text(encoding="utf-8"))
    assert listing.capture_date is not None and (listing.capture_date.month, listing.capture_date.day) == (
        10,
        31,
    )
    papers = {p["title"]: p for p in records_of(LAYOUTS)}
    assert papers["Kimi Linear: An Expressive, Efficient Attention Architecture"]["published"] == "2024-10-30"
    assert papers["Kimi Linear: An Expressive, Efficient Attention Architecture"]["upvotes"] == 1
    # after the capture day (Oct 31): the year before
    assert papers["A Paper From Earlier This Year"]["published"] == "2023-12-02"
    assert papers["A Paper From Earlier This Year"]["upvotes"] == 7


def test_capture_year_override(make_corpus) -> None:
    corpus = make_corpus(
        {
            "spaced.txt": (LAYOUTS / "spaced.txt").read_bytes(),
            "collections.yml": "spaced.txt:\n  capture_year: 2025\n  name: Hand-picked\n",
        }
    )
    loaded = load_corpus(corpus, ListingCache())
    dates = {p.title: p.published for p in loaded.papers}
    assert dates["Kimi Linear: An Expressive, Efficient Attention Architecture"] == "2025-10-30"
    assert loaded.collections[0].name == "Hand-picked"


def test_banner_glued_to_first_title_is_split() -> None:
    listing = parse_listing("c.txt", (LAYOUTS / "compact.txt").read_text(encoding="utf-8"))
    assert listing.entries[0].title == "TensorNet: Cartesian Tensor Representations for Molecules"
    assert any('split banner word "Subscribe"' in d.message for d in listing.diagnostics)


def test_organization_is_handle_then_name() -> None:
    listing = parse_listing("s.txt", (LAYOUTS / "spaced.txt").read_text(encoding="utf-8"))
    assert listing.entries[1].organization == Organization("moonshotai", "Moonshot AI")


def test_same_paper_in_two_files_is_one_record(make_corpus) -> None:
    compact = (LAYOUTS / "compact.txt").read_text(encoding="utf-8")
    # The same paper, punctuation and case changed, richer (with metadata), in a second file.
    second = (
        "HOPFIELD layers for tabular data!\n\n"
        "Hopular builds on TensorNet ideas and modern Hopfield networks. It stores the training set in an "
        "associative memory and retrieves from it at every layer, which beats gradient boosting on small "
        "tabular data sets.\n\n  • 5 authors\n·\nJan 3, 2022\n"
    )
    loaded = load_corpus(make_corpus({"a.txt": compact, "b.txt": second}), ListingCache())
    merged = [p for p in loaded.papers if "tabular" in p.title.lower()]
    assert len(merged) == 1
    assert merged[0].collections == ("a", "b")
    assert merged[0].authors == 5 and merged[0].published == "2022-01-03"
    assert merged[0].title == "HOPFIELD layers for tabular data!"  # the richer copy wins


def test_a_copy_that_changes_what_readers_see_is_an_error(make_corpus) -> None:
    one = "Some Title Here\nFirst abstract text. It has two sentences and enough words to read as prose.\n"
    two = "Some title here\nSecond abstract, different. It also has two sentences and reads as prose text.\n"
    loaded = load_corpus(make_corpus({"a.txt": one, "b.txt": two}), ListingCache())
    assert len(loaded.papers) == 1
    problems = {(d.path, d.line, d.severity, d.message.split(";")[0]) for d in loaded.diagnostics}
    assert problems == {
        ("corpus/b.txt", 1, Severity.ERROR, "title differs from the copy of this paper at corpus/a.txt:1"),
        ("corpus/b.txt", 1, Severity.ERROR, "abstract differs from the copy of this paper at corpus/a.txt:1"),
    }


def test_copies_that_differ_only_in_counts_warn(make_corpus) -> None:
    one = GOOD + "  • 3 authors\n·\nMay 2, 2023 4\n"
    two = GOOD + "  • 3 authors\n·\nMay 2, 2023 9\n"
    loaded = load_corpus(make_corpus({"a.txt": one, "b.txt": two}), ListingCache())
    assert [(d.severity, d.message.split(";")[0]) for d in loaded.diagnostics] == [
        (Severity.WARNING, "upvotes differs from the copy at corpus/a.txt:1")
    ]


# -- bad input: one test per case, each naming file and line ------------------------------

GOOD = "A Good Paper Title\nA good abstract. It has two sentences, which is enough to read as prose here.\n"
# An entry after a problem: the problem is then not at the end of the file (see test_cutoff.py for that).
NEXT = GOOD.replace("Good", "Next")


@dataclass(frozen=True)
class Bad:
    name: str
    content: bytes
    line: int
    message: str
    severity: Severity = Severity.ERROR


BAD_CASES = [
    Bad("empty", b"", 0, "file is empty"),
    Bad("blank-only", b"\n\n  \n", 0, "file is empty"),
    Bad("binary", b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", 3, "binary file"),
    Bad(
        "latin1",
        GOOD.encode() + "Caf\xe9 au lait\n".encode("latin-1"),
        3,
        "not UTF-8: invalid byte 0xe9 at column 4; the line is read as Windows-1252",
        Severity.WARNING,
    ),
    Bad(
        "truncated",
        (GOOD + "A Title Without Its Abstract\n" + NEXT).encode(),
        3,
        'title "A Title Without Its Abstract" has no abstract',
    ),
    Bad(
        "bad-date",
        (GOOD + "\n  • 3 authors\n·\nSmarch 45, 2023\n").encode(),
        6,
        '"Smarch 45, 2023" is not a date',
    ),
    Bad("impossible-day", (GOOD + "  • 3 authors\n·\nFeb 30, 2023\n").encode(), 5, "no day 30 in that month"),
    Bad(
        "bad-authors",
        (GOOD + "  • many authors\n·\nMay 2, 2023\n").encode(),
        3,
        'unparseable metadata "• many authors"',
    ),
    Bad(
        "separator-no-date",
        (GOOD + "  • 3 authors\n·\n  • 4 authors\n" + NEXT).encode(),
        4,
        '"·" is not followed by a date',
    ),
    Bad(
        "stray-metadata",
        ("  • 3 authors\n" + GOOD).encode(),
        1,
        'author count "• 3 authors" does not follow an entry',
    ),
    Bad(
        "orphan-abstract",
        (GOOD + "\n" + GOOD.splitlines()[1] + "\n").encode(),
        4,
        "abstract with no title before it",
    ),
    Bad(
        "duplicate-identical",
        (GOOD + GOOD).encode(),
        3,
        "duplicate of the entry at line 1; identical",
        Severity.WARNING,
    ),
    Bad(
        "duplicate-differs",
        (GOOD + GOOD.replace("good abstract", "changed abstract")).encode(),
        3,
        "the copies differ",
    ),
]  # year-less dates with no year stated: tests/test_years.py


@pytest.mark.parametrize("case", BAD_CASES, ids=[c.name for c in BAD_CASES])
def test_bad_input_is_reported_and_the_rest_still_loads(case: Bad, make_corpus) -> None:
    corpus = make_corpus({"bad.txt": case.content, "good.txt": GOOD})
    loaded = load_corpus(corpus, ListingCache())
    matching = [d for d in loaded.diagnostics if d.path.endswith("bad.txt") and case.message in d.message]
    assert matching, [str(d) for d in loaded.diagnostics]
    assert matching[0].line == case.line
    assert matching[0].severity is case.severity
    assert str(matching[0]).startswith(f"{matching[0].path}:{case.line}:" if case.line else matching[0].path)
    assert "A Good Paper Title" in {p.title for p in loaded.papers}


def test_wrapped_abstract_lines_join() -> None:
    text = (
        "A Paper With A Wrapped Abstract\n"
        "The first line of the abstract ends here, in the middle of the text. It goes on below.\n"
        "The second line continues it with more sentences. This is still the same abstract.\n"
        "\n"
        "The Next Paper Title\n"
        "Its own abstract, a single line. It has two sentences, which makes it read as prose.\n"
    )
    listing = parse_listing("w.txt", text)
    assert [e.title for e in listing.entries] == ["A Paper With A Wrapped Abstract", "The Next Paper Title"]
    assert listing.entries[0].abstract.endswith(
        "goes on below. The second line continues it with more sentences. This is still the same abstract."
    )
    assert [(d.line, d.severity) for d in listing.diagnostics] == [(3, Severity.INFO)]


def test_cache_reuses_unchanged_files(make_corpus) -> None:
    cache = ListingCache()
    corpus = make_corpus({"a.txt": GOOD, "b.txt": GOOD.replace("Good", "Other")})
    load_corpus(corpus, cache)
    (corpus / "c.txt").write_text(GOOD.replace("Good", "Third"), encoding="utf-8")
    load_corpus(corpus, cache)
    assert (cache.hits, cache.misses) == (2, 3)


# -- property test: random records, rendered in each layout, parse back unchanged -----------

_word = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-{}<>*_|`$&'",
    min_size=1,
    max_size=9,
)
_title = (
    st.lists(_word, min_size=3, max_size=12)
    .map(" ".join)
    .filter(
        # A first word in plain lowercase glued to "Subscribe" would read as one word ("Subscribers").
        lambda t: (
            not t.startswith("Subscribe")
            and not t.endswith(".")
            and not (t.split()[0].isalpha() and t.split()[0].islower())
        )
    )
)
_sentence = st.lists(_word, min_size=6, max_size=20).map(lambda ws: " ".join(ws).capitalize() + ".")
_abstract = st.lists(_sentence, min_size=3, max_size=8).map(" ".join).filter(lambda a: len(a) >= 60)
_months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
_meta = st.one_of(
    st.none(),
    st.tuples(
        st.one_of(st.integers(1, 300).map(lambda n: ("authors", n)), st.just(("org", "SakanaAI Sakana AI"))),
        st.integers(0, 11),
        st.integers(1, 28),
        st.integers(2000, 2025),
        st.one_of(st.none(), st.integers(1, 999)),
    ),
)
_entry = st.tuples(_title, _abstract, _meta)


def render(entries: list[tuple[str, str, object]], layout: str) -> str:
    if layout == "compact":
        lines = ["Get trending papers in your email inbox!"]
        for i, (title, abstract, _) in enumerate(entries):
            lines += [("Subscribe" if i == 0 else "") + title, abstract]
        return "\n".join(lines) + "\n"
    out = ["new", "Subscribe", "Daily Papers", "byAK and the research community"]
    for title, abstract, meta in entries:
        out += [title, abstract]
        if meta:
            (kind, value), month, day, year, votes = meta  # type: ignore[misc]
            out += [f"  • {value} authors" if kind == "authors" else str(value), "·"]
            out.append(f"{_months[month]} {day}, {year}" + (f" {votes}" if votes else ""))
    return "\n\n".join(out) + "\n"


@settings(max_examples=60, deadline=None)
@given(
    st.lists(_entry, min_size=1, max_size=6, unique_by=lambda e: e[0].lower()),
    st.sampled_from(["compact", "spaced"]),
)
def test_random_records_round_trip(entries: list[tuple[str, str, object]], layout: str) -> None:
    listing = parse_listing("r.txt", render(entries, layout))
    errors = [d for d in listing.diagnostics if d.severity is not Severity.INFO]
    assert not errors, errors
    assert [(e.title, e.abstract) for e in listing.entries] == [(t, a) for t, a, _ in entries]
    if layout == "spaced":
        for parsed, (_, _, meta) in zip(listing.entries, entries, strict=True):
            if meta is None:
                assert parsed.date is None and parsed.authors is None and parsed.organization is None
                continue
            (kind, value), month, day, year, votes = meta  # type: ignore[misc]
            assert parsed.date is not None
            assert (parsed.date.year, parsed.date.month, parsed.date.day) == (year, month + 1, day)
            assert parsed.upvotes == votes
            if kind == "authors":
                assert parsed.authors == value
            else:
                assert parsed.organization == Organization("SakanaAI", "Sakana AI")
