"""The synthetic corpus writer: deterministic, unique titles, both layouts, repeats, well-formed entries."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from benchmarks.synth import COMPACT_BANNER, SPACED_HEADER, SynthStats, fold, write_corpus

N = 200
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
AUTHORS = re.compile(r"^  • (\d+) authors$")
ORGANIZATION = re.compile(r"^\S+ \S.*$")
DATE = re.compile(r"^([A-Z][a-z]{2}) (\d{1,2})(?:, (\d{4}))?(?: (\d+))?$")

Entry = tuple[str, str, tuple[str, ...]]  # title, abstract, metadata lines


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SynthStats]:
    out = tmp_path_factory.mktemp("synth")
    return out, write_corpus(out, N, seed=0)


def check_title(title: str) -> None:
    assert title and title == title.strip() and len(title) < 250 and not title.endswith(".")


def check_abstract(abstract: str) -> None:
    assert abstract == abstract.strip() and len(abstract) >= 250 and ". " in abstract


def check_metadata(lines: tuple[str, ...]) -> None:
    assert len(lines) == 3, lines
    who, dot, date = lines
    m = AUTHORS.match(who)
    if m:
        assert 1 <= int(m.group(1)) <= 20
    else:
        assert ORGANIZATION.match(who) and not who.startswith(" "), who
    assert dot == "·"
    d = DATE.match(date)
    assert d, date
    year = int(d.group(3)) if d.group(3) else None
    if year is not None:
        assert 2015 <= year <= 2025
    dt.date(year or 2025, MONTHS.index(d.group(1)) + 1, int(d.group(2)))  # raises on an impossible day
    if d.group(4):
        assert int(d.group(4)) >= 1


def parse_compact(text: str) -> list[Entry]:
    assert text.endswith("\n")
    lines = text[:-1].split("\n")
    assert tuple(lines[:2]) == COMPACT_BANNER
    body = lines[2:]
    assert body and len(body) % 2 == 0 and all(body)
    assert body[0].startswith("Subscribe")
    body[0] = body[0].removeprefix("Subscribe")
    entries: list[Entry] = [(body[k], body[k + 1], ()) for k in range(0, len(body), 2)]
    for title, abstract, _ in entries:
        check_title(title)
        check_abstract(abstract)
    return entries


def parse_spaced(text: str) -> list[Entry]:
    assert not text.endswith("\n") and "\n\n\n" not in text
    blocks = text.split("\n\n")
    assert tuple(blocks[:5]) == SPACED_HEADER
    capture = DATE.match(blocks[5])
    assert capture and not capture.group(3)  # the capture date has no year
    entries: list[Entry] = []
    k = 6
    while k < len(blocks):
        title, abstract = blocks[k], blocks[k + 1]
        assert "\n" not in title and "\n" not in abstract
        check_title(title)
        check_abstract(abstract)
        k += 2
        meta: tuple[str, ...] = ()
        if k < len(blocks) and "\n" in blocks[k]:
            meta = tuple(blocks[k].split("\n"))
            check_metadata(meta)
            k += 1
        entries.append((title, abstract, meta))
    return entries


def read_all(out: Path) -> dict[str, tuple[str, list[Entry]]]:
    result: dict[str, tuple[str, list[Entry]]] = {}
    for path in sorted(out.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        if text.startswith("new\n"):
            result[path.name] = ("spaced", parse_spaced(text))
        else:
            result[path.name] = ("compact", parse_compact(text))
    return result


def test_deterministic(corpus: tuple[Path, SynthStats], tmp_path: Path) -> None:
    _, stats = corpus
    again = write_corpus(tmp_path / "again", N, seed=0)
    assert [p.name for p in again.paths] == [p.name for p in stats.paths]
    for a, b in zip(stats.paths, again.paths, strict=True):
        assert a.read_bytes() == b.read_bytes()
    other = write_corpus(tmp_path / "other", N, seed=1)
    assert [p.read_bytes() for p in other.paths] != [p.read_bytes() for p in stats.paths]


def test_entries_well_formed_and_both_layouts(corpus: tuple[Path, SynthStats]) -> None:
    out, stats = corpus
    files = read_all(out)
    layouts = Counter(layout for layout, _ in files.values())
    assert layouts["compact"] >= 1 and layouts["spaced"] >= 1
    assert (layouts["compact"], layouts["spaced"]) == (stats.n_compact_files, stats.n_spaced_files)
    assert sum(len(entries) for _, entries in files.values()) == stats.n_entries
    spaced = [e for layout, entries in files.values() if layout == "spaced" for e in entries]
    with_meta = [e for e in spaced if e[2]]
    assert 0 < len(with_meta) < len(spaced)  # metadata is optional
    assert any(not AUTHORS.match(e[2][0]) for e in with_meta)  # some organisations


def test_titles_unique_after_folding(corpus: tuple[Path, SynthStats]) -> None:
    out, _ = corpus
    abstracts: dict[str, str] = {}
    for _, entries in read_all(out).values():
        for title, abstract, _ in entries:
            key = fold(title)
            assert abstracts.setdefault(key, abstract) == abstract, f"two papers fold to {key!r}"
    assert len(abstracts) == N


def test_repeats_in_a_second_file(corpus: tuple[Path, SynthStats]) -> None:
    out, stats = corpus
    files_of: defaultdict[str, list[str]] = defaultdict(list)
    for name, (_, entries) in read_all(out).items():
        for title, _, _ in entries:
            files_of[title].append(name)
    repeated = {t: names for t, names in files_of.items() if len(names) > 1}
    assert len(repeated) == stats.n_repeats >= 1
    assert all(len(set(names)) == len(names) == 2 for names in repeated.values())


def test_some_abstracts_mention_other_papers(corpus: tuple[Path, SynthStats]) -> None:
    out, stats = corpus
    entries = [e for _, es in read_all(out).values() for e in es]
    names = {t.split(": ", 1)[0] for t, _, _ in entries if ": " in t}
    mentioning = {t for t, a, _ in entries if any(n in a and not t.startswith(n + ":") for n in names)}
    assert stats.n_mentions >= 1 and len(mentioning) >= 1


def test_refuses_foreign_directory(tmp_path: Path) -> None:
    (tmp_path / "000_real.txt").write_text("not ours\n")
    with pytest.raises(FileExistsError):
        write_corpus(tmp_path, 10)
    assert (tmp_path / "000_real.txt").read_text() == "not ours\n"
