"""Hostile and unlucky corpus files: each is reported at its file and line, what can be kept is kept,
and nothing crashes, hangs or reaches a page unescaped (issue "Nothing in a corpus file stops the
deploy"). Whole builds of such files: tests/test_fuzz.py and tests/test_maintainer.py."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from generator.atlas import build_atlas
from generator.cli import main
from generator.ingest.corpus import ListingCache, load_corpus
from generator.ingest.listing import looks_finished, parse_listing
from generator.ingest.text import decode, has_forbidden
from generator.model import Diagnostic, Severity
from generator.site.anchors import slugify

from .conftest import FIXTURES

TAXONOMY = FIXTURES / "site" / "taxonomy.yml"
ABSTRACT = "An abstract of two sentences. It is long enough to read as prose in any listing file here."


def entry(title: str, meta: str = "") -> str:
    return f"{title}\n{ABSTRACT}\n{meta}\n"


def problems(diagnostics: tuple[Diagnostic, ...] | list[Diagnostic]) -> set[tuple[int, Severity, str]]:
    """(line, severity, message up to its first ';') of each diagnostic."""
    return {(d.line, d.severity, d.message.split(";")[0]) for d in diagnostics}


def load(make_corpus, files: dict[str, bytes | str]):
    return load_corpus(make_corpus(files), ListingCache())


# -- bytes and characters ---------------------------------------------------------------------------


def test_a_line_that_is_not_utf8_is_read_as_windows_1252_and_the_rest_kept(make_corpus) -> None:
    data = (entry("First Paper Title") + "Second “Quoted” Paper\n" + ABSTRACT + "\n").encode("cp1252")
    loaded = load(make_corpus, {"a.txt": data})
    assert [p.title for p in loaded.papers] == ["First Paper Title", "Second “Quoted” Paper"]
    assert problems(loaded.diagnostics) == {
        (4, Severity.WARNING, "not UTF-8: invalid byte 0x93 at column 8"),
    }


def test_nul_bytes_are_removed_where_they_are(make_corpus) -> None:
    data = entry("First Paper Title").encode() + b"Second Pa\x00per Title\n" + ABSTRACT.encode() + b"\n"
    loaded = load(make_corpus, {"a.txt": data})
    assert {p.title for p in loaded.papers} == {"First Paper Title", "Second Paper Title"}
    assert problems(loaded.diagnostics) == {(4, Severity.WARNING, "NUL byte at column 10")}


def test_a_file_of_binary_data_is_refused_whole() -> None:
    decoded = decode("corpus/x.txt", bytes(range(256)) * 40)
    assert decoded.text is None
    assert [d.severity for d in decoded.diagnostics] == [Severity.ERROR]
    assert "binary file" in decoded.diagnostics[0].message


@pytest.mark.parametrize("newline", ["\r", "\r\n", "\n"], ids=["cr", "crlf", "lf"])
def test_every_line_ending_is_read(make_corpus, newline: str) -> None:
    text = (
        entry("First Paper Title", "  • 3 authors\n·\nMay 2, 2023") + entry("Second Paper Title")
    ).replace("\n", newline)
    loaded = load(make_corpus, {"a.txt": text})
    assert [(p.title, p.authors) for p in loaded.papers] == [
        ("First Paper Title", 3),
        ("Second Paper Title", None),
    ]
    expected = {(1, Severity.INFO, "line breaks are CRs alone (old Mac style)")} if newline == "\r" else set()
    assert problems(loaded.diagnostics) == expected


@pytest.mark.parametrize("char", ["\x07", "\x85", "\ufffe", "\r", "\u2028", "\U0010ffff"])
def test_control_characters_never_reach_a_record(make_corpus, char: str) -> None:
    loaded = load(
        make_corpus, {"a.txt": entry(f"A Title{char}With a Control") + entry("Another Paper Title")}
    )
    assert [p.title for p in loaded.papers] == ["A Title With a Control", "Another Paper Title"]
    assert not any(has_forbidden(p.title + p.abstract) for p in loaded.papers)
    code = f"U+{ord(char):04X}"
    assert problems(loaded.diagnostics) == {(1, Severity.WARNING, f"control character {code} at column 8")}


def test_a_tab_is_a_space_without_a_warning() -> None:
    listing = parse_listing("a.txt", "A\tTitle Here\n" + ABSTRACT + "\n")
    assert listing.entries[0].title == "A Title Here" and not listing.diagnostics


# -- counts and years -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("meta", "authors", "upvotes", "message"),
    [
        ("  • " + "9" * 5000 + " authors\n·\nMay 2, 2023", None, None, "author count of 5000 digits is implausible"),
        ("  • 3 authors\n·\nMay 2, 2023 " + "9" * 5000, 3, None, "upvote count of 5000 digits is implausible"),
        ("  • 3 authors\n·\nMay 2, 2023 " + "1" + "0" * 30, 3, None, "upvote count of 31 digits is implausible"),
        ("  • 0 authors\n·\nMay 2, 2023 4", None, 4, "author count 0 is implausible (expected 1 to 10,000)"),
        ("  • 100000000000 authors\n·\nMay 2, 2023", None, None, "author count 100,000,000,000 is implausible (expected 1 to 10,000)"),
        ("  • ٣ authors\n·\nMay 2, 2023", 3, None, 'author count "٣" is written in non-ASCII digits'),
        ("  • 3 authors\n·\nMay 2, 2023 １２", 3, 12, 'upvote count "１２" is written in non-ASCII digits'),
    ],
    ids=["authors-5000-digits", "upvotes-5000-digits", "upvotes-1e30", "zero-authors", "authors-1e11",
         "arabic-indic", "full-width"],
)  # fmt: skip
def test_implausible_counts_are_reported_and_left_out(
    make_corpus, meta: str, authors: int | None, upvotes: int | None, message: str
) -> None:
    loaded = load(make_corpus, {"a.txt": entry("A Paper With Counts", meta) + entry("Next Paper Title")})
    first = next(p for p in loaded.papers if p.title == "A Paper With Counts")
    assert (first.authors, first.upvotes, first.published) == (authors, upvotes, "2023-05-02")
    assert problems(loaded.diagnostics) == {(3 if "author" in message else 5, Severity.WARNING, message)}
    assert len(loaded.papers) == 2


def test_a_capture_year_outside_the_calendar_is_refused_at_its_line(make_corpus) -> None:
    corpus = make_corpus({"a.txt": entry("A Paper Title", "  • 3 authors\n·\nMay 2, 2023") + entry(
        "Another Paper", "  • 3 authors\n·\nMay 2")})  # fmt: skip
    (corpus / "collections.yml").write_text("a.txt:\n  capture_year: 99999\n  name: Fine\n", encoding="utf-8")
    loaded = load_corpus(corpus, ListingCache())
    assert (
        1,
        Severity.ERROR,
        "'a.txt': capture_year must be a year from 1900 to 2200, not 99999",
    ) in problems(loaded.diagnostics)
    # The year-less date takes the year after the file's latest (2023), not 99999; the name is kept.
    assert {p.title: p.published for p in loaded.papers}["Another Paper"] == "2024-05-02"
    assert loaded.collections[0].name == "Fine"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('a.txt:\n  name: "A \\x07 bell"\n', "'a.txt': name holds a control character"),
        ("a.txt:\n  name: ''\n", "'a.txt': name must not be empty"),
        ("a.txt:\n  banner_words: [ok, [nested]]\n", "'a.txt': banner_words must be a list of short words"),
        ("a.txt:\n  capture_year: true\n", "'a.txt': capture_year must be a int"),
        ("a.txt:\n  colour: red\n", "'a.txt': unknown setting 'colour'"),
        ("../x.txt:\n  name: x\n", "'../x.txt' is not a file name"),
    ],
)
def test_collection_settings_follow_the_schema(make_corpus, text: str, message: str) -> None:
    corpus = make_corpus({"a.txt": entry("A Paper Title")})
    (corpus / "collections.yml").write_text(text, encoding="utf-8")
    loaded = load_corpus(corpus, ListingCache())
    assert any(d.severity is Severity.ERROR and d.message.startswith(message) for d in loaded.diagnostics), [
        str(d) for d in loaded.diagnostics
    ]
    assert [p.title for p in loaded.papers] == ["A Paper Title"]


def test_a_settings_folder_is_reported_and_the_corpus_builds(make_corpus) -> None:
    corpus = make_corpus({"a.txt": entry("A Paper Title")})
    (corpus / "collections.yml").mkdir()
    atlas = build_atlas(corpus, TAXONOMY, ListingCache())
    assert [p.title for p in atlas.papers] == ["A Paper Title"]
    assert ("corpus/collections.yml", 0, Severity.ERROR, "not a file") in {
        (d.path, d.line, d.severity, d.message.split(";")[0]) for d in atlas.diagnostics
    }


# -- titles and merging -----------------------------------------------------------------------------


def test_titles_that_fold_alike_but_differ_in_symbols_are_distinct_papers(make_corpus) -> None:
    loaded = load(
        make_corpus,
        {
            "a.txt": entry("Learning C++") + entry("Learning C#") + entry("Learning C"),
            "b.txt": entry("LEARNING C++"),
        },
    )
    papers = {p.title: p for p in loaded.papers}
    assert set(papers) == {"Learning C++", "Learning C#", "Learning C"}
    assert len({p.id for p in papers.values()}) == 3
    assert papers["Learning C++"].collections == ("a", "b")  # the same title in another file still merges


def test_a_title_of_plain_words_keeps_its_id() -> None:
    from generator.ingest.records import paper_id

    # Ids of titles without symbols are what they always were (URLs are permanent): the golden page
    # tests/fixtures/site/golden/papers/hopfield-layers-for-tabular-data-ff02ebd4.md predates the change.
    assert paper_id("Hopfield Layers for Tabular Data") == "hopfield-layers-for-tabular-data-ff02ebd4"
    assert paper_id("Fast & Slow Learning") == paper_id("Fast Slow Learning")


def test_titles_with_no_letter_are_kept_apart_and_invisible_ones_reported(make_corpus) -> None:
    loaded = load(
        make_corpus, {"a.txt": entry("***") + entry("🚀🚀") + entry("\u200b") + entry("Plain Title")}
    )
    assert sorted(p.title for p in loaded.papers) == ["***", "Plain Title", "🚀🚀"]
    assert problems(loaded.diagnostics) == {
        (1, Severity.WARNING, "title has no letter or digit"),
        (4, Severity.WARNING, "title has no letter or digit"),
        (7, Severity.ERROR, "title shows nothing (only invisible characters)"),
    }


# -- paths --------------------------------------------------------------------------------------------


def test_a_symlink_out_of_the_corpus_is_refused(make_corpus, tmp_path: Path) -> None:
    secret = tmp_path / "outside.txt"
    secret.write_text(entry("A Secret Paper Title"), encoding="utf-8")
    corpus = make_corpus({"a.txt": entry("A Paper Title")})
    (corpus / "leak.txt").symlink_to(secret)
    (corpus / "alias.txt").symlink_to(corpus / "a.txt")  # inside: read like any file
    loaded = load_corpus(corpus, ListingCache())
    assert {p.title for p in loaded.papers} == {"A Paper Title"}
    assert ("corpus/leak.txt", 0, Severity.ERROR, "symlink leading out of the corpus folder") in {
        (d.path, d.line, d.severity, d.message.split(";")[0]) for d in loaded.diagnostics
    }


def test_collection_ids_are_unique_and_each_depends_on_its_own_name(make_corpus) -> None:
    loaded = load(
        make_corpus, {"A B.txt": entry("First Paper Title"), "a-b.txt": entry("Second Paper Title")}
    )
    ids = {c.path: c.id for c in loaded.collections}
    assert ids["corpus/a-b.txt"] == "a-b"  # the file whose name is the id keeps it
    assert ids["corpus/A B.txt"].startswith("a-b-") and len(ids["corpus/A B.txt"]) == len("a-b-") + 6
    assert len(loaded.papers) == 2
    warning = next(d for d in loaded.diagnostics if d.kind == "collection-id")
    assert warning.path == "corpus/A B.txt" and "a-b.txt" in warning.message


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_a_file_name_never_writes_a_raw_line_to_the_log(
    make_corpus, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    name = "evil\n::error file=x,line=1::pwned.txt"
    corpus = make_corpus({"a.txt": entry("A Paper Title")})
    text = entry("First Paper Title") + "A Title Without Its Abstract\n" + entry("Next Paper Title")
    (corpus / name).write_text(text, encoding="utf-8")
    main(["check", "--corpus", str(corpus), "--taxonomy", str(TAXONOMY), "--format", fmt])
    out = capsys.readouterr().out
    assert "pwned" in out
    for line in out.splitlines():
        assert not line.startswith("::error file=x"), line
        if fmt == "text":
            assert not line.startswith("::"), line


# -- cost ---------------------------------------------------------------------------------------------


def test_a_one_megabyte_line_is_read_in_linear_time() -> None:
    """The last abstract of dotted words with no full stop: `looks_finished` was quadratic in it
    (17 s at 64 KB). One pass over 1 MB takes well under a second on any machine."""
    dotted = " ".join(["a.b.c.d-e"] * 110_000)  # about 1 MB, no sentence end
    assert len(dotted) > 1_000_000
    started = time.perf_counter()
    assert not looks_finished(dotted)
    listing = parse_listing("big.txt", entry("A Paper Title") + "A Cut Paper\n" + dotted + "\n")
    elapsed = time.perf_counter() - started
    assert [e.title for e in listing.entries] == ["A Paper Title"]
    assert elapsed < 5, f"{elapsed:.1f} s for a 1 MB line"


def test_a_corpus_where_every_word_is_common_still_builds(make_corpus) -> None:
    # More than 50 papers, every term in more than half of them: TF-IDF pruning leaves no term.
    text = "".join(
        f"Alpha Beta Gamma {i}\nAlpha beta gamma delta epsilon. Alpha beta gamma delta epsilon zeta eta theta.\n\n"
        for i in range(60)
    )
    atlas = build_atlas(make_corpus({"a.txt": text}), TAXONOMY, ListingCache())
    assert len(atlas.papers) == 60


# -- page ids ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("heading", "slug"),
    [("Cite", "h-cite"), ("__drawer", "h-__drawer"), ("__search", "h-__search"), ("pa-map", "h-pa-map"),
     ("Abstract", "abstract"), ("Citations", "citations")],
)  # fmt: skip
def test_heading_ids_never_take_the_theme_s_ids(heading: str, slug: str) -> None:
    assert slugify(heading, "-") == slug


def test_the_reserved_ids_are_the_ones_the_templates_write() -> None:
    """Ids written outside Markdown by the overrides are reserved (or carry a reserved prefix)."""
    import re

    from generator.site.anchors import RESERVED_IDS, RESERVED_PREFIXES

    root = FIXTURES.parent.parent
    written = set()
    for path in [*root.glob("docs/overrides/**/*.html"), *root.glob("templates/*.j2")]:
        written |= set(re.findall(r'\bid="([A-Za-z_][\w-]*)"', path.read_text(encoding="utf-8")))
    assert written, "no id found: the pattern no longer matches the templates"
    assert all(i in RESERVED_IDS or i.startswith(RESERVED_PREFIXES) for i in written), written


def test_check_never_raises_on_an_unreadable_file(make_corpus) -> None:
    corpus = make_corpus({"a.txt": entry("A Paper Title")})
    fifo = corpus / "pipe.txt"
    os.mkfifo(fifo)
    loaded = load_corpus(corpus, ListingCache())
    assert [p.title for p in loaded.papers] == ["A Paper Title"]
    assert ("corpus/pipe.txt", Severity.ERROR) in {(d.path, d.severity) for d in loaded.diagnostics}


def test_a_file_wholly_in_windows_1252_is_text_not_binary(make_corpus) -> None:
    text = "“Café” Paper Title\nAn “abstract” of two sentences, naïve and résumé. It reads as prose in any file.\n"
    loaded = load(make_corpus, {"a.txt": text.encode("cp1252")})
    assert [p.title for p in loaded.papers] == ["“Café” Paper Title"]
    assert {d.severity for d in loaded.diagnostics} == {Severity.WARNING}
