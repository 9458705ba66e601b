"""Validate raw entries and merge them into paper records.

* ids are derived from the folded title only, so a paper keeps its id (and URL) whatever
  other files are added: ``<slug of the title, at most 60 chars>-<8 hex of its hash>``;
* year-less dates take the collection's capture year (see :func:`capture_year`): the setting, else
  one after the latest year the file states, else the date the file was first committed or,
  failing that, last modified (:class:`FileDate`, read by ``corpus.py``), bounded by the capture date;
* copies of one paper (equal folded titles) merge into one record listing every
  collection; when copies disagree the richer copy wins and a warning names both places.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from generator.model import Diagnostic, Organization, Paper, RawDate, RawEntry, Severity

_PUNCT_OR_SPACE = re.compile(r"[\W_]+", re.UNICODE)
_SLUG_JUNK = re.compile(r"[^a-z0-9]+")
_CODE_URL = re.compile(
    r"(?:https?://)?(?:www\.)?"
    r"(?:github\.com|gitlab\.com|bitbucket\.org|codeberg\.org|huggingface\.co|sourceforge\.net)"
    r"/[A-Za-z0-9_.\-]+/[A-Za-z0-9_.\-]+(?:/[^\s{}\[\]()<>\"',;]*)?",
    re.IGNORECASE,
)
# Every host above contains ".co", ".org" or ".net": text without one of them holds no code URL.
# (Scanning for _CODE_URL itself is slow: its optional scheme lets it start anywhere.)
_MAYBE_CODE_URL = re.compile(r"\.(?:co|org|net)", re.IGNORECASE)


def fold_title(title: str) -> str:
    """Case and punctuation folded, whitespace collapsed: what two captures of one title share."""
    text = unicodedata.normalize("NFKC", title).casefold()
    return " ".join(_PUNCT_OR_SPACE.sub(" ", text).split())


# Symbols that name different things when folding drops them: "C++", "C#" and "C" are three titles.
# Only these: every other symbol folds away as it always did, so no older title changes its id.
_SIGNIFICANT = frozenset("+#")


def title_symbols(title: str) -> str:
    """The symbols of a title that :func:`fold_title` drops but that tell titles apart, in order."""
    return "".join(c for c in unicodedata.normalize("NFKC", title) if c in _SIGNIFICANT)


def visible_text(title: str) -> str:
    """A title without spaces and invisible characters (format and control); empty if nothing shows."""
    return "".join(
        c for c in unicodedata.normalize("NFKC", title).casefold() if unicodedata.category(c)[0] not in "ZC"
    )


def merge_key(title: str) -> str:
    """The key copies of one paper share: the folded title, plus its symbols when it has some
    (``C++`` vs ``C#``), or, for a title with no letter or digit (``***``), whatever of it shows.
    Empty only for a title with nothing visible. For a title of plain words it is the folded title."""
    folded = fold_title(title)
    symbols = title_symbols(title)
    if folded and not symbols:
        return folded
    if not folded and not symbols:
        shown = visible_text(title)
        return "\x00" + shown if shown else ""
    return folded + "\x00" + symbols


def slugify(text: str, max_length: int = 60) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    slug = _SLUG_JUNK.sub("-", ascii_text).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0] or slug[:max_length]
    return slug.strip("-")


def paper_id(title: str) -> str:
    """A permanent key: only the title's :func:`merge_key` goes in, so adding files never changes it
    (for a title of plain words that is its folded form, as it always was)."""
    key = merge_key(title)
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:8]
    slug = slugify(fold_title(title)) or "paper"
    return f"{slug}-{digest}"


def code_urls(abstract: str) -> tuple[str, ...]:
    """Repository URLs named in an abstract, normalised to https and without trailing punctuation."""
    found: list[str] = []
    if not _MAYBE_CODE_URL.search(abstract):
        return ()
    for match in _CODE_URL.finditer(abstract.replace("\\_", "_")):
        url = match.group(0).rstrip(".:;,!?")
        if not url.lower().startswith("http"):
            url = "https://" + url
        url = re.sub(r"^http://", "https://", url, flags=re.IGNORECASE)
        if url not in found:
            found.append(url)
    return tuple(found)


@dataclass(frozen=True)
class FileDate:
    """When a listing file came to be, from outside its text: the author date of the oldest commit
    that added it, else its modification time (UTC). A capture is committed after it was made."""

    date: dt.date
    committed: bool  # False: the modification time (no commit adds the file, or no git work tree)
    shallow: bool = False  # that commit is the edge of a shallow clone: the file may be older


@dataclass(frozen=True)
class CaptureYear:
    """The year of a file's year-less dates, the rule that gave it and why (said in an info line)."""

    year: int
    rule: str  # "setting", "stated", "committed" or "modified"
    reason: str


MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def capture_year(
    entries: Iterable[RawEntry],
    setting: int | None,
    capture: RawDate | None = None,
    known: FileDate | None = None,
) -> CaptureYear | None:
    """The year of a listing's year-less dates.

    The listing site omits the year only for dates of the current year, so a file's year-less
    dates belong to the year it was captured. Rules, first that applies:

    1. ``setting``: the per-collection ``capture_year``;
    2. one after the latest explicit year in the file (the site writes the year only for earlier
       years, so the capture is at least that late; this reads the file alone, so it holds however
       the file was copied, committed or checked out);
    3. the year of ``known``, the first commit (else modification) of the file, less one if that
       date comes before the capture-date line's day in the year (``Jan 5`` captured, committed on
       Jan 3: captured the year before);
    4. none (year-less dates then stay unresolved, with a warning).
    """
    if setting is not None:
        return CaptureYear(setting, "setting", "the capture_year set for this file in collections.yml")
    years = [e.date.year for e in entries if e.date is not None and e.date.year is not None]
    if years:
        latest = max(years)
        return CaptureYear(latest + 1, "stated", f"one after the latest year the file states ({latest})")
    if known is None:
        return None
    rule, what = (
        ("committed", "was first committed") if known.committed else ("modified", "was last modified")
    )
    when = known.date.isoformat() + ("" if known.committed else "; no commit adds it")
    if capture is not None and (capture.month, capture.day) > (known.date.month, known.date.day):
        return CaptureYear(
            known.date.year - 1,
            rule,
            f"the year before the file {what} ({when}): its capture date "
            f"({MONTH_NAMES[capture.month - 1]} {capture.day}) comes later in the year",
        )
    return CaptureYear(known.date.year, rule, f"the year the file {what} ({when})")


def has_yearless_dates(entries: Iterable[RawEntry]) -> bool:
    return any(e.date is not None and e.date.year is None for e in entries)


def resolve_capture_year(
    path: str,
    entries: list[RawEntry],
    setting: int | None,
    capture: RawDate | None,
    known: FileDate | None,
    diagnostics: list[Diagnostic],
) -> int | None:
    """The capture year of a file with year-less dates (None without any), and an info line at its
    first year-less date saying which rule gave it; a warning when the evidence is doubtful."""
    lines = [e.date.line for e in entries if e.date is not None and e.date.year is None]
    found = capture_year(entries, setting, capture, known) if lines else None
    if found is None:
        return None
    line = min(lines)

    def report(severity: Severity, message: str) -> None:
        diagnostics.append(Diagnostic(path, line, severity, message, "capture-year"))

    report(Severity.INFO, f"year-less dates take {found.year}, {found.reason}")
    if found.rule == "stated" and known is not None and known.committed:
        committed = capture_year([], None, capture, known)
        if committed is not None and committed.year < found.year:
            # The file states the year it was captured in, or later: the site did not do that so far.
            report(
                Severity.WARNING,
                f"the file was first committed on {known.date.isoformat()}, so it was captured in "
                f"{committed.year} at the latest, not {found.year}: set capture_year for this file in "
                "collections.yml",
            )
    if found.rule == "committed" and known is not None and known.shallow:
        report(
            Severity.WARNING,
            "the commit found adding this file is the edge of a shallow clone, so the file may be older: "
            "fetch the whole history (actions/checkout: fetch-depth: 0)",
        )
    return found.year


def resolve_date(date: RawDate, year: int | None, capture: RawDate | None) -> dt.date | None:
    if date.year is not None:
        return dt.date(date.year, date.month, date.day)
    if year is None:
        return None
    # A year-less date later in the year than the capture date was seen the year before.
    if capture is not None and (date.month, date.day) > (capture.month, capture.day):
        year -= 1
    try:
        return dt.date(year, date.month, date.day)
    except ValueError:  # Feb 29 in a non-leap year
        return None


@dataclass(frozen=True)
class Dated:
    """A raw entry with its date resolved, ready to merge."""

    entry: RawEntry
    collection: str
    published: str | None

    @property
    def richness(self) -> tuple[int, int]:
        e = self.entry
        filled = sum(x is not None for x in (e.authors, e.organization, self.published, e.upvotes))
        return filled, len(e.abstract)


def date_entries(
    path: str,
    collection: str,
    entries: list[RawEntry],
    year: int | None,
    capture: RawDate | None,
    diagnostics: list[Diagnostic],
) -> list[Dated]:
    """Resolve every entry's date; ``year`` is the file's capture year (:func:`resolve_capture_year`)."""
    dated: list[Dated] = []
    for e in entries:
        published: str | None = None
        if e.date is not None:
            day = resolve_date(e.date, year, capture)
            if day is None and e.date.year is None and year is None:
                diagnostics.append(
                    Diagnostic(
                        path,
                        e.date.line,
                        Severity.WARNING,
                        "date has no year and the file gives none to infer it from; "
                        "set capture_year for this file in corpus/collections.yml",
                    )
                )
            elif day is None:
                diagnostics.append(Diagnostic(path, e.date.line, Severity.ERROR, f"no such day in {year}"))
            else:
                published = day.isoformat()
        dated.append(Dated(e, collection, published))
    return dated


def find_duplicates_in_file(path: str, entries: list[RawEntry], diagnostics: list[Diagnostic]) -> None:
    seen: dict[str, RawEntry] = {}
    for e in entries:
        key = merge_key(e.title)
        first = seen.get(key)
        if first is None:
            seen[key] = e
            continue
        same = (
            first.abstract,
            first.authors,
            first.organization,
            first.date and (first.date.month, first.date.day, first.date.year),
        ) == (
            e.abstract,
            e.authors,
            e.organization,
            e.date and (e.date.month, e.date.day, e.date.year),
        )
        diagnostics.append(
            Diagnostic(
                path,
                e.title_line,
                Severity.WARNING if same else Severity.ERROR,
                f"duplicate of the entry at line {first.title_line}"
                + ("; identical, merged" if same else "; the copies differ, the richer one is kept"),
            )
        )


_FIELDS = ("title", "abstract", "authors", "organization", "published", "upvotes")


def _field(d: Dated, name: str) -> object:
    return d.published if name == "published" else getattr(d.entry, name)


def _differs(name: str, a: object, b: object) -> bool:
    if name == "title":
        return " ".join(str(a).split()) != " ".join(str(b).split())
    return a != b


def _difference(name: str, other: Dated, best: Dated) -> Diagnostic:
    """Two copies in different files disagree; ``other`` is the later one (by file order), where the
    problem is reported. The title and the abstract are what a reader sees: a copy that changes them
    is an error (it fails a pull request's check, never the deploy); other fields (counts, dates)
    change between captures, and only warn."""
    where = f"{best.entry.path}:{best.entry.title_line}"
    if name in ("title", "abstract"):
        return Diagnostic(
            other.entry.path,
            other.entry.title_line,
            Severity.ERROR,
            f"{name} differs from the copy of this paper at {where}; the site shows the richer copy: "
            "make the copies agree",
            "copy-differs",
        )
    return Diagnostic(
        other.entry.path,
        other.entry.title_line,
        Severity.WARNING,
        f"{name} differs from the copy at {where}; keeping the richer copy's",
    )


def merge(copies: list[Dated], collection_order: Mapping[str, int], diagnostics: list[Diagnostic]) -> Paper:
    """One record from every copy of a paper; the richest copy wins disagreements."""
    ordered = sorted(copies, key=lambda d: (collection_order[d.collection], d.entry.title_line))
    best = max(ordered, key=lambda d: d.richness)  # max keeps the first of equals: stable
    values: dict[str, object] = {name: _field(best, name) for name in _FIELDS}
    for other in ordered:
        if other is best:
            continue
        for name in _FIELDS:
            theirs = _field(other, name)
            if theirs is None:
                continue
            if values[name] is None:
                values[name] = theirs
            elif _differs(name, theirs, values[name]) and other.entry.path != best.entry.path:
                later, earlier = (
                    (other, best) if ordered.index(other) > ordered.index(best) else (best, other)
                )
                diagnostics.append(_difference(name, later, earlier))
    title = str(values["title"])
    pid = paper_id(title)
    abstract = str(values["abstract"])
    org = values["organization"]
    collections: list[str] = []
    for d in ordered:
        if d.collection not in collections:
            collections.append(d.collection)
    return Paper(
        id=pid,
        title=title,
        abstract=abstract,
        authors=values["authors"] if isinstance(values["authors"], int) else None,
        organization=org if isinstance(org, Organization) else None,
        published=values["published"] if isinstance(values["published"], str) else None,
        upvotes=values["upvotes"] if isinstance(values["upvotes"], int) else None,
        code_urls=code_urls(abstract),
        collections=tuple(collections),
        sources=tuple(f"{d.entry.path}:{d.entry.title_line}" for d in ordered),
    )


def merge_all(
    dated: list[Dated], collection_order: Mapping[str, int], diagnostics: list[Diagnostic]
) -> tuple[Paper, ...]:
    groups: dict[str, list[Dated]] = {}
    for d in dated:
        key = merge_key(d.entry.title)
        if not fold_title(d.entry.title):
            e = d.entry
            if not key:
                diagnostics.append(
                    Diagnostic(
                        e.path,
                        e.title_line,
                        Severity.ERROR,
                        "title shows nothing (only invisible characters); skipped",
                    )
                )
                continue
            diagnostics.append(
                Diagnostic(
                    e.path,
                    e.title_line,
                    Severity.WARNING,
                    "title has no letter or digit; kept as a paper of its own",
                )
            )
        groups.setdefault(key, []).append(d)
    papers = [merge(copies, collection_order, diagnostics) for copies in groups.values()]
    by_id: dict[str, Paper] = {}
    for p in papers:
        if p.id in by_id:  # two different folded titles with one slug+hash: astronomically rare
            diagnostics.append(
                Diagnostic(
                    p.sources[0].rsplit(":", 1)[0],
                    int(p.sources[0].rsplit(":", 1)[1]),
                    Severity.ERROR,
                    f"id {p.id} collides with {by_id[p.id].sources[0]}",
                )
            )
            continue
        by_id[p.id] = p
    return tuple(sorted(by_id.values(), key=lambda p: p.id))
