"""What changed in the corpus since a git revision: files added, changed or removed, and new papers.

``python -m generator check --since REV`` puts this in the job summary (on a pull request REV is
the base commit, on a push the commit before it). The corpus at REV is read from git
(``git archive``) into a temporary folder: only the old versions of the files that differ are
parsed, so a push that adds one file parses one old file at most. Without a usable REV (none
given, all zeros as on a branch's first push, unknown to this clone, or no git repository) every
file and every paper counts as new, and :attr:`Changes.note` says why.
"""

from __future__ import annotations

import re
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from generator.ingest.corpus import Corpus, ListingCache, load_corpus, run_git
from generator.ingest.settings import SETTINGS_FILE
from generator.model import display_path

_ZEROS = re.compile(r"0+")


@dataclass(frozen=True)
class Changes:
    since: str
    """The revision as given."""
    commit: str
    """The commit it names; empty when there is no usable base (see :attr:`note`)."""
    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    new_papers: tuple[str, ...]
    """Ids of papers in the corpus now but not at :attr:`commit`."""
    note: str = ""
    """Why every file counts as new, when it does."""


def corpus_files(corpus_dir: Path) -> list[str]:
    """Names of the files of a corpus folder, as :func:`generator.ingest.corpus.load_corpus` sees it."""
    if not corpus_dir.is_dir():
        return []
    return sorted(p.name for p in corpus_dir.iterdir() if p.is_file() and not p.name.startswith("."))


def _git(cwd: Path, *args: str) -> tuple[int, str]:
    """Exit status and output of ``git <args>`` (127 when git is missing or hangs)."""
    done = run_git(list(args), cwd)
    return (127, "") if done is None else (done.returncode, done.stdout.decode("utf-8", "replace"))


def _base(rev: str, corpus_dir: Path) -> tuple[str, Path, str] | str:
    """``(commit, repository root, corpus folder from the root)``, or why there is none."""
    if not rev.strip():
        return "no base revision given"
    if _ZEROS.fullmatch(rev):
        return "the base revision is all zeros, as on the first push of a branch"
    if rev.startswith("-"):
        return f"{rev!r} is not a revision"
    if not corpus_dir.is_dir():
        return f"no corpus folder {corpus_dir}"
    status, top = _git(corpus_dir, "rev-parse", "--show-toplevel")
    if status != 0:
        return "the corpus is not in a git repository"
    root = Path(top.strip())
    status, commit = _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}")
    if status != 0:
        return f"revision {rev} is not in this clone; is the checkout shallow?"
    try:
        folder = corpus_dir.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return f"{corpus_dir} is outside the git repository {root}"
    return commit.strip(), root, folder


def _extract(commit: str, root: Path, folder: str, into: Path) -> Path:
    """The corpus folder as it was at ``commit``, written under ``into`` (absent if it did not exist)."""
    old = into / folder
    if _git(root, "cat-file", "-e", f"{commit}:{'' if folder == '.' else folder}")[0] != 0:
        return old
    with subprocess.Popen(
        ["git", "archive", "--format=tar", commit, "--", folder], cwd=root, stdout=subprocess.PIPE
    ) as archive:
        assert archive.stdout is not None
        with tarfile.open(fileobj=archive.stdout, mode="r|") as tar:
            tar.extractall(into, filter="data")
    if archive.returncode != 0:
        msg = f"git archive {commit} -- {folder} failed (exit {archive.returncode})"
        raise RuntimeError(msg)
    return old


def changes_since(rev: str, corpus_dir: Path, corpus: Corpus) -> Changes:
    """Files added, changed and removed in ``corpus_dir`` since ``rev``, and the new papers of ``corpus``."""
    now = corpus_files(corpus_dir)
    base = _base(rev, corpus_dir)
    if isinstance(base, str):
        return Changes(
            since=rev,
            commit="",
            added=tuple(display_path(corpus_dir / n) for n in now),
            changed=(),
            removed=(),
            new_papers=tuple(p.id for p in corpus.papers),
            note=base,
        )
    commit, root, folder = base
    with tempfile.TemporaryDirectory(prefix="paper-atlas-since-") as tmp:
        old_dir = _extract(commit, root, folder, Path(tmp))
        old = corpus_files(old_dir)
        added = [n for n in now if n not in old]
        removed = [n for n in old if n not in now]
        changed: list[str] = []
        unchanged: list[str] = []
        for n in now:
            if n in old:
                same = (corpus_dir / n).read_bytes() == (old_dir / n).read_bytes()
                (unchanged if same else changed).append(n)
        # A paper with a copy in an unchanged file is not new: only the old versions of the other
        # files are parsed (collections.yml stays: its banner words change how titles are read).
        for n in unchanged:
            if n != SETTINGS_FILE:
                (old_dir / n).unlink()
        old_ids = {p.id for p in load_corpus(old_dir, ListingCache()).papers} if old else set()
    touched = {display_path(corpus_dir / n) for n in (*added, *changed)}
    new_papers = tuple(
        p.id
        for p in corpus.papers
        if p.id not in old_ids and all(s.rpartition(":")[0] in touched for s in p.sources)
    )
    return Changes(
        since=rev,
        commit=commit,
        added=tuple(display_path(corpus_dir / n) for n in added),
        changed=tuple(display_path(corpus_dir / n) for n in changed),
        removed=tuple(display_path(corpus_dir / n) for n in removed),
        new_papers=new_papers,
    )
