"""The year of year-less dates: the capture_year setting, else one after the latest year the file
states, else the date the file was first committed (a temporary git repository here), else its
modification time; bounded by the capture-date line. Each file says which rule gave its year."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from generator.ingest import corpus as corpus_module
from generator.ingest.corpus import ListingCache, first_commits, load_corpus
from generator.ingest.records import CaptureYear, FileDate, capture_year, date_entries
from generator.model import Diagnostic, RawDate, RawEntry, Severity

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

HEADER = "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nDaily Papers\n\nbyAK and the research community\n\n"


def entry(title: str, date: str) -> str:
    abstract = (
        f"{title} is studied here at length. We describe the method, the data and the results, "
        "and we compare them with earlier work on the same problem in two settings."
    )
    return f"{title}\n\n{abstract}\n\n  • 3 authors\n·\n{date}\n\n"


# Capture line "Jan 5" (line 11); dates on lines 19 (Dec 30) and 27 (Jan 2 3): no explicit year anywhere.
YEARLESS = HEADER + "Jan 5\n\n" + entry("Winter Paper", "Dec 30") + entry("New Year Paper", "Jan 2 3")
NO_CAPTURE_LINE = HEADER + entry("Summer Paper", "Jun 10") + entry("Spring Paper", "May 26 2")


def published(corpus: Path) -> dict[str, str | None]:
    return {p.title: p.published for p in load_corpus(corpus, ListingCache()).papers}


def about_years(corpus: Path) -> list[str]:
    return [str(d) for d in load_corpus(corpus, ListingCache()).diagnostics if d.kind == "capture-year"]


# -- a temporary git repository -----------------------------------------------------------------


class Repo:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.corpus = root / "corpus"
        self.corpus.mkdir(parents=True)
        self.git("init", "-q")

    def git(self, *args: str, date: str = "2026-01-01T12:00:00+00:00") -> str:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(self.root),  # no global git configuration
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_AUTHOR_DATE": date,
            "GIT_COMMITTER_DATE": date,
        }
        command = ["git", "-c", "user.name=Test", "-c", "user.email=test@example.org"]
        command += ["-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args]
        done = subprocess.run(command, cwd=self.root, env=env, capture_output=True, text=True, check=True)
        return done.stdout

    def commit(self, date: str, files: dict[str, str | None]) -> None:
        """Write (or, for None, delete) ``files`` in the corpus folder and commit them on ``date``."""
        for name, text in files.items():
            if text is None:
                (self.corpus / name).unlink()
            else:
                (self.corpus / name).write_text(text, encoding="utf-8")
        self.git("add", "-A")
        self.git("commit", "-q", "-m", f"change on {date}", date=date)


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return Repo(tmp_path / "repo")


def test_first_commit_gives_the_year(repo: Repo) -> None:
    repo.commit("2026-03-04T10:00:00+01:00", {"x.txt": NO_CAPTURE_LINE})
    assert about_years(repo.corpus) == [
        "corpus/x.txt:17: info: year-less dates take 2026, the year the file was first committed (2026-03-04)"
    ]
    assert published(repo.corpus) == {"Summer Paper": "2026-06-10", "Spring Paper": "2026-05-26"}
    assert load_corpus(repo.corpus, ListingCache()).collections[0].capture_year == 2026


def test_the_oldest_commit_adding_the_file_counts(repo: Repo) -> None:
    repo.commit("2024-05-01T09:00:00+00:00", {"x.txt": NO_CAPTURE_LINE, "other.txt": YEARLESS})
    repo.commit("2025-02-01T09:00:00+00:00", {"x.txt": None})
    repo.commit("2026-02-01T09:00:00+00:00", {"x.txt": NO_CAPTURE_LINE})  # added again
    repo.commit(
        "2027-02-01T09:00:00+00:00", {"x.txt": NO_CAPTURE_LINE.replace("Jun 10", "Jun 11")}
    )  # changed
    found = first_commits(repo.corpus)
    assert found == {
        "x.txt": FileDate(dt.date(2024, 5, 1), committed=True),
        "other.txt": FileDate(dt.date(2024, 5, 1), committed=True),
    }
    assert published(repo.corpus)["Summer Paper"] == "2024-06-11"


def test_the_authors_calendar_day_counts(repo: Repo) -> None:
    """Committed on Jan 1 in the author's time zone (Dec 31 in UTC): Jan 1."""
    repo.commit("2026-01-01T00:30:00+02:00", {"x.txt": NO_CAPTURE_LINE})
    assert first_commits(repo.corpus) == {"x.txt": FileDate(dt.date(2026, 1, 1), committed=True)}


def test_capture_date_line_bounds_the_year(repo: Repo) -> None:
    """First committed 2026-01-10, captured on "Jan 5": Dec 30 is later in the year, so 2025."""
    repo.commit("2026-01-10T08:00:00+00:00", {"x.txt": YEARLESS})
    assert published(repo.corpus) == {"Winter Paper": "2025-12-30", "New Year Paper": "2026-01-02"}
    assert about_years(repo.corpus) == [
        "corpus/x.txt:19: info: year-less dates take 2026, the year the file was first committed (2026-01-10)"
    ]


def test_committed_before_the_capture_day_means_the_year_before(repo: Repo) -> None:
    """Committed on Jan 3, 2026, the capture line says "Jan 5": that was Jan 5, 2025."""
    repo.commit("2026-01-03T08:00:00+00:00", {"x.txt": YEARLESS})
    assert published(repo.corpus) == {"Winter Paper": "2024-12-30", "New Year Paper": "2025-01-02"}
    assert about_years(repo.corpus) == [
        "corpus/x.txt:19: info: year-less dates take 2025, the year before the file was first committed "
        "(2026-01-03): its capture date (Jan 5) comes later in the year"
    ]


def test_an_uncommitted_file_takes_its_modification_time(repo: Repo) -> None:
    repo.commit("2026-03-04T10:00:00+00:00", {"x.txt": NO_CAPTURE_LINE})
    (repo.corpus / "new.txt").write_text(YEARLESS, encoding="utf-8")
    os.utime(repo.corpus / "new.txt", (0, dt.datetime(2027, 2, 3, 23, 0, tzinfo=dt.UTC).timestamp()))
    assert about_years(repo.corpus) == [
        "corpus/new.txt:19: info: year-less dates take 2027, the year the file was last modified "
        "(2027-02-03; no commit adds it)",
        "corpus/x.txt:17: info: year-less dates take 2026, the year the file was first committed (2026-03-04)",
    ]
    assert published(repo.corpus)["Winter Paper"] == "2026-12-30"


def set_mtime(path: Path, day: dt.date) -> None:
    stamp = dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC).timestamp()
    os.utime(path, (stamp, stamp))


def test_outside_a_git_work_tree_the_modification_time_counts(make_corpus) -> None:
    corpus = make_corpus({"x.txt": YEARLESS})
    set_mtime(corpus / "x.txt", dt.date(2026, 1, 4))  # before the capture day "Jan 5": captured in 2025
    assert first_commits(corpus) == {}
    assert published(corpus) == {"Winter Paper": "2024-12-30", "New Year Paper": "2025-01-02"}
    assert about_years(corpus) == [
        "corpus/x.txt:19: info: year-less dates take 2025, the year before the file was last modified "
        "(2026-01-04; no commit adds it): its capture date (Jan 5) comes later in the year"
    ]


def test_without_git_the_modification_time_counts(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo.commit("2026-03-04T10:00:00+00:00", {"x.txt": NO_CAPTURE_LINE})
    set_mtime(repo.corpus / "x.txt", dt.date(2028, 7, 1))
    monkeypatch.setenv("PATH", str(repo.root / "no-such-folder"))
    assert first_commits(repo.corpus) == {}
    assert published(repo.corpus)["Summer Paper"] == "2028-06-10"


def test_one_git_log_for_the_whole_folder_and_none_when_not_needed(
    repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.commit(
        "2026-03-04T10:00:00+00:00",
        {"a.txt": NO_CAPTURE_LINE, "b.txt": YEARLESS, "c.txt": YEARLESS.replace("Paper", "Study")},
    )
    calls: list[list[str]] = []
    real_run = subprocess.run

    def counting_run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[bytes]:
        calls.append(command)
        return real_run(command, **kwargs)  # type: ignore[call-overload,no-any-return]

    monkeypatch.setattr(corpus_module.subprocess, "run", counting_run)
    load_corpus(repo.corpus, ListingCache())
    assert [c for c in calls if "log" in c] == [calls[0]] and len(calls) == 2  # log, then rev-parse
    calls.clear()
    (repo.corpus / "collections.yml").write_text(
        "".join(f"{name}:\n  capture_year: 2020\n" for name in ("a.txt", "b.txt", "c.txt")), encoding="utf-8"
    )
    load_corpus(repo.corpus, ListingCache())
    assert calls == []


def test_the_setting_overrides_git(repo: Repo) -> None:
    repo.commit(
        "2026-03-04T10:00:00+00:00",
        {"x.txt": YEARLESS, "collections.yml": "x.txt:\n  capture_year: 2019\n"},
    )
    assert published(repo.corpus) == {"Winter Paper": "2018-12-30", "New Year Paper": "2019-01-02"}
    assert about_years(repo.corpus) == [
        "corpus/x.txt:19: info: year-less dates take 2019, the capture_year set for this file in collections.yml"
    ]


def test_a_stated_year_comes_before_git(repo: Repo) -> None:
    """The file states 2024: its capture is at least 2025, whatever the commit says (here 2026)."""
    text = NO_CAPTURE_LINE + entry("Older Paper", "Mar 2, 2024 7")
    repo.commit("2026-03-04T10:00:00+00:00", {"x.txt": text})
    assert published(repo.corpus)["Summer Paper"] == "2025-06-10"
    assert about_years(repo.corpus) == [
        "corpus/x.txt:17: info: year-less dates take 2025, one after the latest year the file states (2024)"
    ]


def test_a_stated_year_later_than_the_first_commit_warns(repo: Repo) -> None:
    text = NO_CAPTURE_LINE + entry("Later Paper", "Mar 2, 2026 7")
    repo.commit("2026-03-04T10:00:00+00:00", {"x.txt": text})
    assert about_years(repo.corpus) == [  # (diagnostics of one line are sorted by message)
        "corpus/x.txt:17: warning: the file was first committed on 2026-03-04, so it was captured in 2026 "
        "at the latest, not 2027: set capture_year for this file in collections.yml",
        "corpus/x.txt:17: info: year-less dates take 2027, one after the latest year the file states (2026)",
    ]


def test_a_shallow_clone_warns(repo: Repo, tmp_path: Path) -> None:
    repo.commit("2024-05-01T09:00:00+00:00", {"x.txt": NO_CAPTURE_LINE})
    repo.commit("2026-03-04T10:00:00+00:00", {"y.txt": YEARLESS})
    clone = Repo.__new__(Repo)
    clone.root, clone.corpus = tmp_path / "clone", tmp_path / "clone" / "corpus"
    repo.git("clone", "-q", "--depth", "1", f"file://{repo.root}", str(clone.root))
    found = first_commits(clone.corpus)
    assert found["x.txt"] == FileDate(dt.date(2026, 3, 4), committed=True, shallow=True)  # really 2024
    assert about_years(clone.corpus)[:2] == [
        "corpus/x.txt:17: warning: the commit found adding this file is the edge of a shallow clone, so the "
        "file may be older: fetch the whole history (actions/checkout: fetch-depth: 0)",
        "corpus/x.txt:17: info: year-less dates take 2026, the year the file was first committed (2026-03-04)",
    ]


def test_years_are_resolved_after_the_parse_cache(repo: Repo) -> None:
    """``mkdocs serve`` keeps parsed files; committing one (or setting its year) still changes its year."""
    cache = ListingCache()
    (repo.corpus / "x.txt").write_text(NO_CAPTURE_LINE, encoding="utf-8")
    set_mtime(repo.corpus / "x.txt", dt.date(2027, 8, 1))
    first = {p.title: p.published for p in load_corpus(repo.corpus, cache).papers}
    repo.commit("2026-03-04T10:00:00+00:00", {})
    second = {p.title: p.published for p in load_corpus(repo.corpus, cache).papers}
    (repo.corpus / "collections.yml").write_text("x.txt:\n  capture_year: 2020\n", encoding="utf-8")
    third = {p.title: p.published for p in load_corpus(repo.corpus, cache).papers}
    assert [first["Summer Paper"], second["Summer Paper"], third["Summer Paper"]] == [
        "2027-06-10",
        "2026-06-10",
        "2020-06-10",
    ]
    assert (cache.hits, cache.misses) == (2, 1)
    diagnostics = load_corpus(repo.corpus, cache).diagnostics  # no info piled up in the cached listing
    assert [d.severity for d in diagnostics] == [Severity.INFO]


# -- the rules alone ------------------------------------------------------------------------------


def dated(*dates: tuple[int, int, int | None]) -> list[RawEntry]:
    return [
        RawEntry("x.txt", f"T{i}", "A.", i, i, date=RawDate(m, d, y, 10 + i))
        for i, (m, d, y) in enumerate(dates)
    ]


@pytest.mark.parametrize(
    ("entries", "setting", "capture", "known", "expected"),
    [
        (dated((5, 1, None)), 2020, None, FileDate(dt.date(2026, 1, 1), True), (2020, "setting")),
        (
            dated((5, 1, None), (3, 2, 2023)),
            None,
            None,
            FileDate(dt.date(2026, 1, 1), True),
            (2024, "stated"),
        ),
        (dated((5, 1, None)), None, None, FileDate(dt.date(2026, 1, 1), True), (2026, "committed")),
        (
            dated((5, 1, None)),
            None,
            RawDate(1, 2, None, 3),
            FileDate(dt.date(2026, 1, 1), True),
            (2025, "committed"),
        ),
        (
            dated((5, 1, None)),
            None,
            RawDate(1, 1, None, 3),
            FileDate(dt.date(2026, 1, 1), True),
            (2026, "committed"),
        ),
        (dated((5, 1, None)), None, None, FileDate(dt.date(2026, 12, 31), False), (2026, "modified")),
        (dated((5, 1, None)), None, None, None, None),
    ],
    ids=["setting", "stated", "committed", "before-capture-day", "on-capture-day", "modified", "none"],
)
def test_capture_year_rules(
    entries: list[RawEntry],
    setting: int | None,
    capture: RawDate | None,
    known: FileDate | None,
    expected: tuple[int, str] | None,
) -> None:
    found = capture_year(entries, setting, capture, known)
    assert (found and (found.year, found.rule)) == expected
    assert found is None or isinstance(found, CaptureYear)


def test_no_year_at_all_still_warns(make_corpus) -> None:
    """Only when nothing gives a year (no file date: a caller without one) do dates stay empty."""
    diagnostics: list[Diagnostic] = []
    out = date_entries("x.txt", "x", dated((5, 21, None)), None, None, diagnostics)
    assert out[0].published is None
    assert [str(d) for d in diagnostics] == [
        "x.txt:10: warning: date has no year and the file gives none to infer it from; "
        "set capture_year for this file in corpus/collections.yml"
    ]
