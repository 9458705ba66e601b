"""Where corpus problems show: GitHub workflow commands (escaping, order, limits) and the job summary."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.atlas import build_atlas
from generator.ingest.changes import Changes
from generator.ingest.corpus import ListingCache
from generator.model import Diagnostic, Severity
from generator.report import (
    annotation_order,
    escape_data,
    escape_property,
    job_summary,
    overflow_note,
    problems_by_kind,
    text_lines,
    workflow_command,
)

from .conftest import FIXTURES

TAXONOMY = FIXTURES / "site" / "taxonomy.yml"
GOOD = "A Good Paper About Attention\nAn abstract about attention. It has two sentences, enough to read as prose.\n"


# -- workflow commands ---------------------------------------------------------------------------


def test_escape_data_and_property_as_the_toolkit_does() -> None:
    hostile = "50% done, a: b\r\nnext %0A"
    assert escape_data(hostile) == "50%25 done, a: b%0D%0Anext %250A"
    assert escape_property(hostile) == "50%25 done%2C a%3A b%0D%0Anext %250A"


def test_workflow_command_for_a_warning_on_a_line() -> None:
    d = Diagnostic("corpus/x.txt", 23, Severity.WARNING, 'paper "50%, a: b\nc" matches no tag')
    assert workflow_command(d) == (
        '::warning file=corpus/x.txt,line=23,title=paper "…" matches no tag'
        '::paper "50%25, a: b%0Ac" matches no tag'
    )


def test_workflow_command_omits_line_0_and_escapes_file_and_title() -> None:
    d = Diagnostic("corpus/a,b:c.txt", 0, Severity.ERROR, "file is empty", kind="empty: file, skipped")
    assert workflow_command(d) == (
        "::error file=corpus/a%2Cb%3Ac.txt,title=empty%3A file%2C skipped::file is empty"
    )
    info = Diagnostic("corpus/x.txt", 3, Severity.INFO, "joined")
    assert workflow_command(info, file="data/corpus/x.txt").startswith(
        "::notice file=data/corpus/x.txt,line=3,"
    )


_COMMAND = re.compile(r"::(error|warning|notice) (?P<properties>[^:]*)::(?P<message>.*)")


def _unescape(text: str, names: str) -> str:
    """How the runner reads an escaped value back (its order: the %25 last)."""
    for char in names:
        text = text.replace(f"%{ord(char):02X}", char)
    return text.replace("%25", "%")


@given(path=st.text(min_size=1), message=st.text(), line=st.integers(min_value=0, max_value=10**6))
def test_any_text_survives_a_workflow_command(path: str, message: str, line: int) -> None:
    command = workflow_command(Diagnostic(path, line, Severity.WARNING, message, kind="k"))
    assert "\n" not in command and "\r" not in command
    match = _COMMAND.fullmatch(command)
    assert match is not None
    properties = dict(p.split("=", 1) for p in match["properties"].split(","))
    assert _unescape(properties["file"], "\r\n:,") == path
    assert properties.get("line") == (str(line) if line else None)
    assert _unescape(match["message"], "\r\n") == message


def test_problems_in_changed_files_are_annotated_first() -> None:
    old = [Diagnostic("corpus/a.txt", n, Severity.WARNING, "w") for n in range(1, 4)]
    new = [Diagnostic("corpus/b.txt", n, Severity.WARNING, "w") for n in range(1, 3)]
    assert annotation_order([*old, *new], {"corpus/b.txt"}) == [*new, *old]
    assert annotation_order([*old, *new]) == [*old, *new]


def test_overflow_note_names_what_github_will_not_annotate() -> None:
    ten = [Diagnostic("corpus/a.txt", n, Severity.WARNING, "w") for n in range(10)]
    assert overflow_note(ten) is None
    eleven = [*ten, Diagnostic("corpus/a.txt", 11, Severity.WARNING, "w")]
    many_errors = [Diagnostic("corpus/a.txt", n, Severity.ERROR, "e") for n in range(12)]
    note = overflow_note([*eleven, *many_errors]) or ""
    assert "all 12 errors and 11 warnings are in this log" in note


# -- the job summary -----------------------------------------------------------------------------


def _rows(markdown: str, header: str) -> list[list[str]]:
    """The cells of the table that starts with ``header``, split on unescaped pipes."""
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]])
    return rows


def _overview(markdown: str) -> dict[str, str]:
    """The first table of the summary, as {row name: value}."""
    return dict(_rows(markdown, "| |"))  # a row split in three (an unescaped pipe) raises


@pytest.fixture
def atlas(make_corpus, tmp_path: Path):
    taxonomy = tmp_path / "taxonomy.yml"
    taxonomy.write_text(
        "tags:\n  - id: attention\n    name: Attention\n    description: d\n    match: {phrases: [attention]}\n",
        encoding="utf-8",
    )
    corpus = make_corpus(
        {
            "a.txt": GOOD
            + "A Title Without Its Abstract\n"
            + "One More Paper On Attention\nMore about attention. Again two sentences that read as prose.\n"
            + "A Cut Off Title\n",
            "b.txt": GOOD.replace("Good", "Fine")
            + "Another Cut Title\n"
            + "Untaggable Paper Title Here\nNothing in here matches any rule. Two sentences of plain, ordinary prose.\n",
            "notes.md": "not a listing",
        }
    )
    return build_atlas(corpus, taxonomy, ListingCache())


def test_summary_counts_problems_by_kind(atlas) -> None:
    kinds = dict(problems_by_kind(atlas.diagnostics))
    rows = _rows(job_summary(atlas), "| Problems by kind")
    by_name = {row[0]: row[1:] for row in rows}
    assert by_name['title "…" has no abstract \\(truncated entry?\\)'] == ["2", "0", "0"]
    assert by_name["cut\\-off"] == ["0", "1", "0"]
    assert by_name["unsorted"] == ["0", "0", "1"]  # no tag fits it, and it shares no coherent topic
    assert by_name["ignored: not a \\.txt listing"] == ["0", "0", "1"]
    assert rows[0][0].startswith("title")  # most errors first
    assert rows[-1] == ["**All**", "2", str(atlas.warnings), "2"]
    assert len(rows) == len(kinds) + 1


def test_summary_rows_for_changes_and_inferred_tags(atlas) -> None:
    changes = Changes(
        since="HEAD~1",
        commit="0123456789abcdef0123456789abcdef01234567",
        added=("corpus/b.txt",),
        changed=("corpus/a|*x*.txt",),
        removed=(),
        new_papers=("p1", "p2", "p3"),
    )
    inferred = dataclasses.replace(atlas, inferred={"p1": ("attention",), "p2": ("memory",)})
    rows = _overview(job_summary(inferred, changes))
    assert rows["Files added or changed since 0123456789ab"] == (
        "2: added corpus/b\\.txt; changed corpus/a\\|\\*x\\*\\.txt"
    )
    assert rows["New papers"] == "3"
    assert rows["Papers tagged by inference"] == "2"
    assert rows["Papers in automatic topics"] == "0 in 0 topics"
    assert rows["Corpus"] == "2 files, 4 entries, 4 papers"
    assert "Files removed" not in rows


def test_summary_without_a_base_says_why(atlas) -> None:
    changes = Changes("", "", ("corpus/a.txt", "corpus/b.txt"), (), (), ("p",), note="no <b>base</b> given")
    rows = _overview(job_summary(atlas, changes))
    assert rows["Files added or changed"] == (
        "2: added corpus/a\\.txt, corpus/b\\.txt (every file counts as new: no &lt;b&gt;base&lt;/b&gt; given)"
    )


def test_summary_collapses_long_lists_and_many_kinds(atlas) -> None:
    changes = Changes("r", "f" * 40, tuple(f"corpus/{n}.txt" for n in range(14)), (), (), ())
    rows = _overview(job_summary(atlas, changes))
    assert rows["Files added or changed since ffffffffffff"].endswith("corpus/9\\.txt, and 4 more")
    many = [Diagnostic("corpus/a.txt", 1, Severity.WARNING, f"m{n}", kind=f"kind {n:02}") for n in range(30)]
    rows_by_kind = _rows(job_summary(dataclasses.replace(atlas, diagnostics=tuple(many))), "| Problems")
    assert rows_by_kind[-2] == ["5 other kinds", "0", "5", "0"]
    assert rows_by_kind[-1] == ["**All**", "0", "30", "0"]


@pytest.mark.parametrize(
    ("fail_on", "expected"),
    [
        ("error", "**This check fails** (`--fail-on error`): 2 errors to fix."),
        ("warning", "**This check fails** (`--fail-on warning`): 2 errors and 1 warning to fix."),
        ("never", "This check passes (`--fail-on never`)."),
    ],
)
def test_summary_ends_with_the_outcome(atlas, fail_on: str, expected: str) -> None:
    assert atlas.errors == 2 and atlas.warnings == 1
    last = job_summary(atlas, fail_on=fail_on).rstrip("\n").splitlines()[-1]
    assert last.startswith(expected)


def test_summary_of_a_clean_corpus(tmp_path: Path) -> None:
    atlas = build_atlas(FIXTURES / "site" / "corpus", TAXONOMY, ListingCache())
    text = job_summary(atlas, fail_on="error")
    # banner words, capture year, and the fixture tag that no paper carries (information)
    assert _rows(text, "| Problems by kind")[-1] == ["**All**", "0", "0", "4"]
    assert _overview(text)["Papers in automatic topics"] == "0 in 0 topics"
    assert text.rstrip().endswith("each entry is skipped or degraded as reported.")


def test_repeats_of_a_kind_collapse_into_one_line() -> None:
    many = [
        Diagnostic(f"corpus/{n}.txt", n + 1, Severity.WARNING, f'paper "T{n}" matches no tag')
        for n in range(25)
    ]
    other = Diagnostic("corpus/z.txt", 9, Severity.ERROR, "binary file (NUL byte); not a listing")
    lines = list(text_lines([*many, other], limit=10))
    assert lines[:10] == [str(d) for d in many[:10]]
    assert lines[10:] == [str(other), 'warning: and 15 more: paper "…" matches no tag']
    assert list(text_lines(many, limit=None)) == [str(d) for d in many]
    # The same kind at another severity is another kind.
    info = dataclasses.replace(many[0], severity=Severity.INFO)
    assert list(text_lines([*many[:10], info], limit=10))[-1] == str(info)
