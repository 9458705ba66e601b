"""`check --since REV`: corpus files added, changed or removed since a git revision, and new papers."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from generator.ingest.changes import changes_since
from generator.ingest.corpus import ListingCache, load_corpus
from generator.ingest.records import paper_id

ABSTRACT = "An abstract of two sentences. It reads like prose, which is what an abstract is."


def entries(*titles: str) -> str:
    return "".join(f"{title}\n{ABSTRACT}\n" for title in titles)


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(
        [
            "git",
            "-c",
            "user.name=Test",
            "-c",
            "user.email=test@example.org",
            "-c",
            "commit.gpgsign=false",
            *args,
        ],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / "corpus").mkdir(parents=True)
    git(repo, "init", "-q")
    return repo


def write(repo: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (repo / "corpus" / name).write_text(text, encoding="utf-8")


def commit(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def ids(*titles: str) -> set[str]:
    return {paper_id(t) for t in titles}


def test_files_and_papers_since_a_revision(repo: Path) -> None:
    (repo / "README.md").write_text("not corpus", encoding="utf-8")
    write(
        repo,
        {
            "a.txt": entries("Paper One About Things", "Paper Two About Things"),
            "b.txt": entries("Paper Three About Things"),
            "d.txt": entries("Paper Five About Things"),
        },
    )
    base = commit(repo, "base")
    write(repo, {"b.txt": entries("Paper Three About Things", "Paper Four About Things")})
    (repo / "corpus" / "d.txt").unlink()
    commit(repo, "change b, remove d")
    (repo / "README.md").write_text("changed, but not corpus", encoding="utf-8")
    # c.txt is not even committed: what is compared is the folder as it is now.
    write(
        repo,
        {"c.txt": entries("Paper Six About Things", "Paper One About Things", "Paper Five About Things")},
    )
    corpus_dir = repo / "corpus"
    corpus = load_corpus(corpus_dir, ListingCache())

    changes = changes_since(base, corpus_dir, corpus)

    assert changes.commit == base and changes.note == ""
    assert changes.added == ("corpus/c.txt",)
    assert changes.changed == ("corpus/b.txt",)
    assert changes.removed == ("corpus/d.txt",)
    # One is in an unchanged file, Three was in b.txt, Five was in the removed d.txt: not new.
    assert set(changes.new_papers) == ids("Paper Four About Things", "Paper Six About Things")


def test_a_short_revision_and_a_relative_corpus_folder(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(repo, {"a.txt": entries("Paper One About Things")})
    base = commit(repo, "base")
    write(repo, {"a.txt": entries("Paper One About Things", "Paper Two About Things")})
    monkeypatch.chdir(repo)
    changes = changes_since(base[:7], Path("corpus"), load_corpus(Path("corpus"), ListingCache()))
    assert changes.commit == base
    assert changes.changed == ("corpus/a.txt",) and changes.added == ()
    assert set(changes.new_papers) == ids("Paper Two About Things")


def test_a_corpus_folder_that_did_not_exist_at_the_revision(repo: Path) -> None:
    (repo / "README.md").write_text("first", encoding="utf-8")
    base = commit(repo, "before any corpus")
    write(repo, {"a.txt": entries("Paper One About Things")})
    corpus = load_corpus(repo / "corpus", ListingCache())
    changes = changes_since(base, repo / "corpus", corpus)
    assert changes.commit == base and changes.note == ""
    assert changes.added == ("corpus/a.txt",)
    assert set(changes.new_papers) == ids("Paper One About Things")


@pytest.mark.parametrize(
    ("rev", "note"),
    [
        ("", "no base revision given"),
        ("0" * 40, "the base revision is all zeros, as on the first push of a branch"),
        (
            "1234567890abcdef1234567890abcdef12345678",
            "revision 1234567890abcdef1234567890abcdef12345678 is not",
        ),
        ("no-such-branch", "revision no-such-branch is not in this clone"),
        ("--output=/tmp/x", "'--output=/tmp/x' is not a revision"),
    ],
)
def test_without_a_usable_base_every_file_is_new(repo: Path, rev: str, note: str) -> None:
    write(repo, {"a.txt": entries("Paper One About Things"), "b.txt": entries("Paper Two About Things")})
    commit(repo, "base")
    corpus = load_corpus(repo / "corpus", ListingCache())
    changes = changes_since(rev, repo / "corpus", corpus)
    assert changes.commit == ""
    assert changes.note.startswith(note)
    assert changes.added == ("corpus/a.txt", "corpus/b.txt")
    assert set(changes.new_papers) == ids("Paper One About Things", "Paper Two About Things")


def test_outside_a_git_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))  # even if /tmp sits in a repository
    corpus_dir = tmp_path / "corpus"
    corpus_dir.mkdir()
    (corpus_dir / "a.txt").write_text(entries("Paper One About Things"), encoding="utf-8")
    changes = changes_since("HEAD", corpus_dir, load_corpus(corpus_dir, ListingCache()))
    assert changes.note == "the corpus is not in a git repository"
    assert changes.added == ("corpus/a.txt",)
