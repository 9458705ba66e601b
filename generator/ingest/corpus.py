"""Read the corpus folder: every ``*.txt`` listing, plus ``collections.yml`` overrides (:mod:`.settings`).

The file I/O of the ingestion stage lives here, git included (:func:`run_git`): the date each file was first
committed (one ``git log`` for the whole folder), else its modification time, gives the year of
year-less dates when the file states none. One bad file never stops the others: its problems
become diagnostics and the rest of the corpus still loads. Parsed files are cached by content
hash, so ``mkdocs serve`` re-parses only what changed; years are resolved after the cache, on
every load, so a commit or a new ``capture_year`` applies at the next rebuild.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from generator.enrich.naming import name_collections
from generator.ingest.listing import DEFAULT_BANNER_WORDS, Listing, parse_listing
from generator.ingest.records import (
    Dated,
    FileDate,
    date_entries,
    find_duplicates_in_file,
    has_yearless_dates,
    merge_all,
    resolve_capture_year,
)
from generator.ingest.settings import SETTINGS_FILE, CollectionSettings, load_settings
from generator.ingest.text import decode
from generator.model import Collection, Diagnostic, Paper, Severity, count, display_path

_ID_JUNK = re.compile(r"[^a-z0-9_-]+")
# Variables that would point git at another repository than the one holding the corpus folder
# (git sets some of them for its hooks).
_GIT_LOCATION = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR", "GIT_OBJECT_DIRECTORY")
GIT_TIMEOUT = 120  # seconds


@dataclass(frozen=True)
class Corpus:
    papers: tuple[Paper, ...]
    collections: tuple[Collection, ...]
    diagnostics: tuple[Diagnostic, ...]
    entry_count: int
    file_count: int

    @property
    def errors(self) -> int:
        return count(self.diagnostics, Severity.ERROR)

    @property
    def warnings(self) -> int:
        return count(self.diagnostics, Severity.WARNING)


@dataclass
class ListingCache:
    """Parsed listings keyed by (content hash, banner words): unchanged files are not re-parsed."""

    entries: dict[tuple[str, tuple[str, ...]], Listing] = field(default_factory=dict)
    hits: int = 0
    misses: int = 0


_CACHE = ListingCache()


def collection_id(stem: str) -> str:
    """A file's collection id (and URL): its stem, lower case, with runs of other characters than
    ``a-z0-9_-`` made one hyphen."""
    return _ID_JUNK.sub("-", stem.lower()).strip("-") or "collection"


def collection_ids(corpus_dir: Path, names: list[str], diagnostics: list[Diagnostic]) -> dict[str, str]:
    """Each file name's collection id, unique. When names share an id (``A B.txt``, ``a-b.txt``), a
    file whose stem *is* that id keeps it; the others get the id plus a hash of their own name, so
    each file's id depends only on its name and on whether such a twin exists. A warning says so."""
    by_id: dict[str, list[str]] = {}
    for name in names:
        by_id.setdefault(collection_id(Path(name).stem), []).append(name)
    chosen: dict[str, str] = {}
    for cid, group in by_id.items():
        for name in group:
            if len(group) == 1 or Path(name).stem == cid:
                chosen[name] = cid
                continue
            chosen[name] = f"{cid}-{hashlib.sha256(name.encode('utf-8', 'surrogateescape')).hexdigest()[:6]}"
            twins = ", ".join(n for n in group if n != name)
            diagnostics.append(
                Diagnostic(
                    display_path(corpus_dir / name),
                    0,
                    Severity.WARNING,
                    f"collection id {cid!r} is also that of {twins}; this file's collection is "
                    f"{chosen[name]!r} (rename the file to choose)",
                    "collection-id",
                )
            )
    return chosen


def corpus_files(corpus_dir: Path, diagnostics: list[Diagnostic]) -> list[Path]:
    """The listing files of ``corpus_dir``, sorted; a symlink that leads out of the folder, and
    anything that is not a regular file, is refused with a diagnostic."""
    inside = corpus_dir.resolve()
    files: list[Path] = []
    for path in sorted(corpus_dir.iterdir()):
        if path.name.startswith(".") or path.name == SETTINGS_FILE:
            continue
        shown = display_path(path)
        if path.is_symlink():
            target = path.resolve()
            if target.parent != inside and inside not in target.parents:
                diagnostics.append(
                    Diagnostic(shown, 0, Severity.ERROR, "symlink leading out of the corpus folder; refused")
                )
                continue
        if not path.is_file():
            if path.suffix == ".txt" or not path.is_dir():
                diagnostics.append(Diagnostic(shown, 0, Severity.ERROR, "not a regular file; skipped"))
            else:
                diagnostics.append(Diagnostic(shown, 0, Severity.INFO, "ignored: a folder"))
            continue
        if path.suffix != ".txt":
            diagnostics.append(Diagnostic(shown, 0, Severity.INFO, "ignored: not a .txt listing"))
            continue
        files.append(path)
    return files


def read_listing(path: Path, banner_words: tuple[str, ...], cache: ListingCache = _CACHE) -> Listing:
    shown = display_path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        listing = Listing(shown)
        listing.report(0, Severity.ERROR, f"unreadable: {exc.strerror or exc}; skipped")
        return listing
    key = (hashlib.sha256(data).hexdigest() + shown, banner_words)
    cached = cache.entries.get(key)
    if cached is not None:
        cache.hits += 1
        return cached
    cache.misses += 1
    decoded = decode(shown, data)
    if decoded.text is None:
        listing = Listing(shown)
    else:
        listing = parse_listing(shown, decoded.text, banner_words)
        if not listing.entries and not any(d.severity is Severity.ERROR for d in listing.diagnostics):
            listing.report(0, Severity.WARNING, "no entries found")
    listing.diagnostics[:0] = decoded.diagnostics
    cache.entries[key] = listing
    return listing


def first_commits(folder: Path) -> dict[str, FileDate]:
    """For each file directly in ``folder``: the author date of the oldest commit that adds it.

    One ``git log`` for the whole folder (renames are not followed: a renamed file is a new file).
    Empty when git is missing or fails, or the folder is in no git work tree.
    """
    # -z: names as they are, NUL-terminated; each commit starts with \x01 "<hash> <author date>".
    command = ["-c", "log.showSignature=false", "log", "-z", "--diff-filter=A", "--no-renames"]
    command += ["--relative", "--format=%x01%H %aI", "--name-only", "--", "."]
    log = _git(command, folder)
    if log is None:
        return {}
    oldest: dict[str, tuple[str, dt.date]] = {}
    for record in log.split(b"\x01")[1:]:
        head, _, names = record.partition(b"\x00")
        commit, _, when = head.decode("ascii").partition(" ")
        day = dt.date.fromisoformat(when[:10])  # the author's own calendar day
        for raw in names.split(b"\x00"):
            name = os.fsdecode(raw.removeprefix(b"\n"))
            if name and "/" not in name:
                oldest[name] = (commit, day)  # newest commit first: the last one seen is the oldest
    edges = _shallow_edges(folder) if oldest else frozenset()
    return {name: FileDate(day, True, commit in edges) for name, (commit, day) in oldest.items()}


def _shallow_edges(folder: Path) -> frozenset[str]:
    """The commits at the edge of a shallow clone (their parents are missing), if it is one."""
    out = _git(["rev-parse", "--is-shallow-repository", "--git-path", "shallow"], folder)
    lines = out.decode().splitlines() if out is not None else []
    if len(lines) != 2 or lines[0] != "true":
        return frozenset()
    try:
        return frozenset((folder / lines[1]).read_text(encoding="ascii").split())
    except OSError:
        return frozenset()


def run_git(args: list[str], folder: Path) -> subprocess.CompletedProcess[bytes] | None:
    """``git <args>`` in ``folder`` (never in a repository that git's own variables point at), or
    None when git is missing or hangs. Every git call of the generator goes through here."""
    env = {k: v for k, v in os.environ.items() if k not in _GIT_LOCATION}
    try:
        return subprocess.run(
            ["git", *args], cwd=folder, env=env, capture_output=True, timeout=GIT_TIMEOUT, check=False
        )
    except (OSError, subprocess.SubprocessError):  # no git, or it hangs
        return None


def _git(args: list[str], folder: Path) -> bytes | None:
    done = run_git(args, folder)
    return done.stdout if done is not None and done.returncode == 0 else None


@dataclass
class FileDates:
    """When each file of a corpus folder came to be: its first commit, else its modification time.
    Runs ``git log`` once, and only if some file needs it."""

    folder: Path
    _commits: dict[str, FileDate] | None = field(default=None, init=False, repr=False)

    def of(self, path: Path) -> FileDate:
        if self._commits is None:
            self._commits = first_commits(self.folder)
        found = self._commits.get(path.name)
        if found is not None:
            return found
        modified = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).date()
        return FileDate(modified, committed=False)


def load_corpus(corpus_dir: Path, cache: ListingCache = _CACHE) -> Corpus:
    """Every listing in ``corpus_dir`` as validated, merged records, and every problem found."""
    diagnostics: list[Diagnostic] = []
    if not corpus_dir.is_dir():
        diagnostics.append(Diagnostic(display_path(corpus_dir), 0, Severity.ERROR, "corpus folder not found"))
        return Corpus((), (), tuple(diagnostics), 0, 0)
    settings = load_settings(corpus_dir, diagnostics)
    listings: list[tuple[Path, Listing]] = []
    for path in corpus_files(corpus_dir, diagnostics):
        own = settings.get(path.name, CollectionSettings())
        listing = read_listing(path, DEFAULT_BANNER_WORDS + own.banner_words, cache)
        diagnostics.extend(listing.diagnostics)
        listings.append((path, listing))

    ids: dict[str, str] = {}
    dated: list[Dated] = []
    order: dict[str, int] = {}
    members: dict[str, list[Dated]] = {}
    years: dict[str, int | None] = {}
    file_dates = FileDates(corpus_dir)
    chosen = collection_ids(corpus_dir, [path.name for path, _ in listings], diagnostics)
    for path, listing in listings:
        cid = chosen[path.name]
        ids[cid] = listing.path
        order[cid] = len(order)
        own = settings.get(path.name, CollectionSettings())
        find_duplicates_in_file(listing.path, listing.entries, diagnostics)
        needs_date = own.capture_year is None and has_yearless_dates(listing.entries)
        year = resolve_capture_year(
            listing.path,
            listing.entries,
            own.capture_year,
            listing.capture_date,
            file_dates.of(path) if needs_date else None,
            diagnostics,
        )
        years[cid] = year
        these = date_entries(listing.path, cid, listing.entries, year, listing.capture_date, diagnostics)
        members[cid] = these
        dated.extend(these)

    papers = merge_all(dated, order, diagnostics)
    collections = name_collections(
        [
            (cid, ids[cid], members[cid], settings.get(Path(ids[cid]).name, CollectionSettings()), years[cid])
            for cid in order
        ]
    )
    diagnostics.sort(key=lambda d: (d.path, d.line, d.message))
    return Corpus(
        papers=papers,
        collections=collections,
        diagnostics=tuple(diagnostics),
        entry_count=len(dated),
        file_count=len(listings),
    )
