"""Parse one listing file into raw entries, by structure rather than by exact header strings.

A listing is a sequence of non-blank lines of a few shapes:

* metadata: ``• 3 authors`` (or any ``•`` bullet), an organisation line, a lone ``·``,
  and a date ``Dec 28, 2023`` / ``May 21`` optionally followed by an upvote count;
* prose: long lines (abstracts);
* short text: titles and header lines.

Every entry is a short line (title) followed by a prose line (abstract), optionally
followed by a metadata block ``(authors | organisation) · date``. Short lines before the
first entry are the header; a date among them is the capture date. Every line ends up in
an entry, in the header, or in a diagnostic: nothing is dropped silently.

A capture cut off by its size limit ends inside an entry: in its title, in its abstract
(a last abstract that stops mid-sentence) or in its metadata (``• 4 aut``, a lone ``·``,
``Ja``). That gets one warning, :data:`CUT_OFF`, at the line where the unfinished entry
starts; the entries before it are kept, and so is the last one if only its metadata was cut.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum

from generator.ingest.text import scrub
from generator.model import Diagnostic, Organization, RawDate, RawEntry, Severity

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}

MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# Banner words the listing site glues to the first title ("SubscribeSupervised Learning ...").
DEFAULT_BANNER_WORDS: tuple[str, ...] = ("Subscribe",)

_AUTHORS = re.compile(r"^\s*•\s*(\d+)\s+authors?\s*$", re.IGNORECASE)
_BULLET = re.compile(r"^\s*•\s*(.*?)\s*$")
_SEPARATOR = re.compile(r"^\s*·\s*$")
_DATE = re.compile(r"^\s*([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:,\s*(\d{4}))?(?:\s+(\d+))?\s*$")
_SENTENCE_END = re.compile(r"[.!?][\"')\]]?$")
# How a complete abstract ends: a sentence, a closing bracket or quote, or a URL. Matched against
# the last word only (:func:`looks_finished`), so the cost is linear in the abstract's length.
_FINISHED = re.compile(
    r"(?:\S*[.!?…][\"'”’)\]]*|\S*[)\]\"'”’»]|(?:https?://|www\.)\S+|[\w-]+(?:\.[\w-]+)+/\S*)"
)
# What a cut ``• 4 authors`` or ``Dec 28, 2023 1`` may have become at the end of a file.
_AUTHORS_START = re.compile(r"^\s*•\s*(\d*)\s*([A-Za-z]*)\s*$")
_DATE_START = re.compile(r"^\s*([A-Za-z]{1,9})\.?(?:\s+\d{1,2}(?:,\s*\d{0,4})?)?\s*$")
_NOT_ALNUM = re.compile(r"[\W_]+")

CUT_OFF = "file ends inside an entry (capture cut off)"

# Counts outside these ranges are reported and left out: a paper with more authors than the largest
# collaborations (about 5,000), or more upvotes than any listing shows, is a capture error.
AUTHORS_RANGE = (1, 10_000)
UPVOTES_RANGE = (0, 1_000_000)
_MAX_DIGITS = 12  # longer digit runs are never converted (int() of 5,000 digits raises)


class Kind(Enum):
    BLANK = "blank"
    AUTHORS = "authors"
    BULLET = "bullet"
    SEPARATOR = "separator"
    DATE = "date"
    TEXT = "text"


@dataclass(frozen=True)
class Line:
    number: int
    text: str
    kind: Kind


@dataclass
class Listing:
    """What one file holds: its entries, its header, and every problem found."""

    path: str
    entries: list[RawEntry] = field(default_factory=list)
    header: list[Line] = field(default_factory=list)
    capture_date: RawDate | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def report(self, line: int, severity: Severity, message: str, kind: str = "") -> None:
        self.diagnostics.append(Diagnostic(self.path, line, severity, message, kind))


def month_number(word: str) -> int | None:
    return MONTHS.get(word.lower().rstrip("."))


def classify(number: int, text: str) -> Line:
    if not text.strip():
        kind = Kind.BLANK
    elif _AUTHORS.match(text):
        kind = Kind.AUTHORS
    elif _BULLET.match(text):
        kind = Kind.BULLET
    elif _SEPARATOR.match(text):
        kind = Kind.SEPARATOR
    elif (m := _DATE.match(text)) and month_number(m.group(1)) is not None:
        kind = Kind.DATE
    else:
        kind = Kind.TEXT
    return Line(number, text, kind)


def is_prose(text: str) -> bool:
    """An abstract: long, or several sentences ending in a full stop. Titles are short."""
    text = text.strip()
    if len(text) >= 250:
        return True
    return len(text) >= 60 and bool(_SENTENCE_END.search(text)) and ". " in text


def looks_like_organization(text: str) -> bool:
    """``SakanaAI Sakana AI``: a handle, then a display name; short, no sentence."""
    text = text.strip()
    return 0 < len(text) <= 120 and not _SENTENCE_END.search(text)


def looks_finished(abstract: str) -> bool:
    """Does an abstract end as complete ones do (sentence end, closing bracket, URL)?"""
    words = abstract.rsplit(None, 1)
    return bool(words) and _FINISHED.fullmatch(words[-1]) is not None


def could_start_authors(text: str) -> bool:
    """``•``, ``• 4``, ``• 4 aut``: what the end of a file may leave of ``• 4 authors``."""
    m = _AUTHORS_START.match(text)
    return m is not None and (bool(m.group(1)) or not m.group(2)) and "authors".startswith(m.group(2).lower())


def could_start_date(text: str) -> bool:
    """``Ja``, ``Oct 25,``, ``Oct 25, 20``: what the end of a file may leave of a date."""
    m = _DATE_START.match(text)
    return m is not None and any(name.startswith(m.group(1).lower()) for name in MONTHS)


def looks_like_organization_line(text: str) -> bool:
    """``moonshotai Moonshot AI``, ``SakanaAI Sakana AI``: a handle in lower case, or one that is in the
    name (or the other way round), folded, at least 4 letters. Tells a (cut) organisation line from a
    (cut) title where no ``·`` follows to say which it is; titles start with a capital."""
    text = text.strip()
    handle, _, name = text.partition(" ")
    a, b = _NOT_ALNUM.sub("", handle).lower(), _NOT_ALNUM.sub("", name).lower()
    return text[:1].islower() or (min(len(a), len(b)) >= 4 and (a in b or b in a))


def parse_date(line: Line) -> tuple[RawDate | None, int | None, str | None, Note | None]:
    """Return (date, upvotes, error message, warning message): a date line with an implausible upvote
    count keeps its date, without the count, and warns."""
    m = _DATE.match(line.text)
    if not m:
        return (
            None,
            None,
            f'"{line.text.strip()}" is not a date (expected e.g. "Dec 28, 2023" or "May 21 3")',
            None,
        )
    month = month_number(m.group(1))
    day = int(m.group(2))
    year = int(m.group(3)) if m.group(3) else None
    if month is None:
        return None, None, f'"{line.text.strip()}" is not a date: "{m.group(1)}" is not a month', None
    if not _valid_day(year, month, day):
        return None, None, f'"{line.text.strip()}" is not a date: no day {day} in that month', None
    if year is not None and not 1900 <= year <= 2200:
        return None, None, f'"{line.text.strip()}" has an implausible year {year}', None
    upvotes, warning = read_count(m.group(4), "upvote count", UPVOTES_RANGE) if m.group(4) else (None, None)
    if warning is None and not (m.group(2) + (m.group(3) or "")).isascii():
        warning = Note(
            f'date "{line.text.strip()}" is written in non-ASCII digits; '
            f"read as {MONTH_ABBR[month - 1]} {day}",
            "non-ascii-digits",
        )
    return RawDate(month, day, year, line.number), upvotes, None, warning


def _valid_day(year: int | None, month: int, day: int) -> bool:
    if day < 1:
        return False
    if month == 2:
        leap = year is None or (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0))
        return day <= (29 if leap else 28)
    return day <= (30 if month in (4, 6, 9, 11) else 31)


def split_lines(text: str) -> list[Line]:
    text = text.removeprefix("\ufeff")
    raw = text.split("\n")
    if raw and raw[-1] == "":
        raw.pop()
    return [classify(i, t.rstrip("\r")) for i, t in enumerate(raw, start=1)]


@dataclass(frozen=True)
class Note:
    """A problem with one value of a line: its message and its kind (see :attr:`Diagnostic.kind`)."""

    message: str
    kind: str


def read_count(text: str, what: str, bounds: tuple[int, int]) -> tuple[int | None, Note | None]:
    """A count as written (``\\d+``, any script's digits) -> (value, problem). The value is None when
    it is implausible (outside ``bounds``); the problem says why, or that its digits are not ASCII."""
    low, high = bounds
    if len(text) > _MAX_DIGITS:
        return None, Note(f"{what} of {len(text)} digits is implausible; left out", "implausible-count")
    value = int(text)
    if not low <= value <= high:
        return None, Note(
            f"{what} {value:,} is implausible (expected {low:,} to {high:,}); left out", "implausible-count"
        )
    if not text.isascii():
        return value, Note(
            f'{what} "{text}" is written in non-ASCII digits; read as {value}', "non-ascii-digits"
        )
    return value, None


def parse_listing(path: str, text: str, banner_words: tuple[str, ...] = DEFAULT_BANNER_WORDS) -> Listing:
    """Parse the decoded text of one listing file (forbidden characters are replaced first)."""
    listing = Listing(path)
    text, problems = scrub(path, text)
    listing.diagnostics.extend(problems)
    items = [line for line in split_lines(text) if line.kind is not Kind.BLANK]
    _Parser(listing, items, banner_words).run()
    return listing


class _Parser:
    def __init__(self, listing: Listing, items: list[Line], banner_words: tuple[str, ...]) -> None:
        self.listing = listing
        self.items = items
        self.banner_words = banner_words
        self.pos = 0
        self.with_metadata = False  # whether an entry so far had a metadata block

    def peek(self, offset: int = 0) -> Line | None:
        i = self.pos + offset
        return self.items[i] if i < len(self.items) else None

    def run(self) -> None:
        while (line := self.peek()) is not None:
            if line.kind is Kind.TEXT:
                self.text_line(line)
            else:
                self.stray_metadata(line)

    # -- text: header, title, abstract -------------------------------------------------

    def text_line(self, line: Line) -> None:
        nxt = self.peek(1)
        if is_prose(line.text) and not (nxt is not None and nxt.kind is Kind.TEXT and is_prose(nxt.text)):
            self.listing.report(line.number, Severity.ERROR, "abstract with no title before it")
            self.pos += 1
            return
        if nxt is not None and nxt.kind is Kind.TEXT and is_prose(nxt.text):
            if is_prose(line.text):
                self.listing.report(line.number, Severity.WARNING, "unusually long title (reads like prose)")
            self.pos += 2
            self.entry(line, nxt)
            return
        if not self.listing.entries:
            self.header_line(line)
        elif nxt is None:
            self.cut_off(line, f'"{_clip(line.text)}" has no abstract; skipped')
            return
        elif nxt.kind is Kind.TEXT and self.peek(2) is None:
            self.cut_off(line, f'the abstract of "{_clip(line.text)}" is cut short; skipped')
            return
        else:
            self.listing.report(
                line.number, Severity.ERROR, f'title "{_clip(line.text)}" has no abstract (truncated entry?)'
            )
        self.pos += 1

    def cut_off(self, start: Line, what: str) -> None:
        """The file ends inside the entry starting at ``start``: one warning, and nothing left to read."""
        self.listing.report(start.number, Severity.WARNING, f"{CUT_OFF}: {what}", kind="cut-off")
        self.pos = len(self.items)

    def header_line(self, line: Line) -> None:
        self.listing.header.append(line)

    def entry(self, title_line: Line, abstract_line: Line) -> None:
        title = title_line.text.strip()
        if not self.listing.entries:
            title = self.unglue_banner(title_line.number, title)
        abstract = self.continued(abstract_line)
        authors: int | None = None
        organization: Organization | None = None
        date: RawDate | None = None
        upvotes: int | None = None
        nxt = self.peek()
        after = self.peek(1)
        cut = False  # the file ends inside this entry's metadata
        if nxt is not None and nxt.kind is Kind.AUTHORS:
            m = _AUTHORS.match(nxt.text)
            assert m is not None
            authors, problem = read_count(m.group(1), "author count", AUTHORS_RANGE)
            if problem is not None:
                self.listing.report(nxt.number, Severity.WARNING, problem.message, problem.kind)
            self.pos += 1
        elif nxt is not None and nxt.kind is Kind.BULLET and after is None and could_start_authors(nxt.text):
            cut = True
            self.pos += 1
        elif nxt is not None and nxt.kind is Kind.BULLET:
            self.listing.report(
                nxt.number,
                Severity.ERROR,
                f'unparseable metadata "{nxt.text.strip()}" (expected "• N authors")',
            )
            self.pos += 1
        elif (
            nxt is not None
            and nxt.kind is Kind.TEXT
            and after is not None
            and after.kind is Kind.SEPARATOR
            and looks_like_organization(nxt.text)
        ):
            organization = parse_organization(nxt.text)
            self.pos += 1
        elif (
            nxt is not None
            and nxt.kind is Kind.TEXT
            and after is None
            and self.with_metadata  # a layout with metadata (the compact one has none)
            and looks_like_organization(nxt.text)
            and looks_like_organization_line(nxt.text)
        ):
            cut = True  # the organisation line may itself be cut: not kept
            self.pos += 1
        nxt = self.peek()
        if cut:
            pass  # nothing after the cut to read
        elif nxt is not None and nxt.kind is Kind.SEPARATOR:
            self.pos += 1
            date_line = self.peek()
            if date_line is None:
                cut = True
            elif date_line.kind is Kind.TEXT and self.peek(1) is None and could_start_date(date_line.text):
                cut = True
                self.pos += 1
            elif date_line.kind is not Kind.DATE and (
                date_line.kind is not Kind.TEXT or is_prose(date_line.text) or self.starts_entry(date_line)
            ):
                self.listing.report(nxt.number, Severity.ERROR, '"·" is not followed by a date')
            else:
                date, upvotes = self.date(date_line)
                self.pos += 1
        elif nxt is not None and nxt.kind is Kind.DATE and (authors is not None or organization is not None):
            date, upvotes = self.date(nxt)
            self.pos += 1
        elif nxt is None and (authors is not None or organization is not None):
            cut = True  # "• 3 authors" and then nothing: its "·" and date are missing
        elif nxt is None and not looks_finished(abstract):
            self.cut_off(title_line, f'the abstract of "{_clip(title)}" is cut short; skipped')
            return
        self.with_metadata |= authors is not None or organization is not None or date is not None
        if cut:
            self.cut_off(
                title_line, f'the metadata of "{_clip(title)}" is cut short; kept without the cut part'
            )
        self.listing.entries.append(
            RawEntry(
                path=self.listing.path,
                title=title,
                abstract=abstract,
                title_line=title_line.number,
                abstract_line=abstract_line.number,
                authors=authors,
                organization=organization,
                date=date,
                upvotes=upvotes,
            )
        )

    def starts_entry(self, line: Line) -> bool:
        """Is ``line`` (the next item) the title of an entry: a short line followed by prose?"""
        after = self.peek(1)
        return self.peek() is line and after is not None and after.kind is Kind.TEXT and is_prose(after.text)

    def date(self, line: Line) -> tuple[RawDate | None, int | None]:
        """A date line's date and upvotes; its problems reported at its line."""
        date, upvotes, error, warning = parse_date(line)
        if error:
            self.listing.report(line.number, Severity.ERROR, error)
        if warning:
            self.listing.report(line.number, Severity.WARNING, warning.message, warning.kind)
        return date, upvotes

    def continued(self, abstract_line: Line) -> str:
        """An abstract wrapped over several lines: prose lines right below it (no blank line) join it."""
        parts = [abstract_line.text.strip()]
        last = abstract_line.number
        while (
            (nxt := self.peek()) is not None
            and nxt.kind is Kind.TEXT
            and nxt.number == last + 1
            and is_prose(nxt.text)
        ):
            self.listing.report(
                nxt.number, Severity.INFO, f"abstract of line {abstract_line.number} continues here; joined"
            )
            parts.append(nxt.text.strip())
            last = nxt.number
            self.pos += 1
        return " ".join(parts)

    def unglue_banner(self, number: int, title: str) -> str:
        """Split a banner word glued to the first title: ``SubscribeSupervised ...``."""
        words = set(self.banner_words)
        words.update(line.text.strip() for line in self.listing.header if " " not in line.text.strip())
        for word in sorted(words, key=lambda w: (-len(w), w)):
            rest = title[len(word) :]
            # "Subscribers of ..." continues the word; "SubscribeSupervised", "Subscribe2-bit" do not.
            if word and title.startswith(word) and rest.strip() and not _is_plain_lowercase(rest.split()[0]):
                self.listing.report(number, Severity.INFO, f'split banner word "{word}" from the first title')
                self.header_line(Line(number, word, Kind.TEXT))
                return title[len(word) :].strip()
        return title

    # -- metadata outside an entry ---------------------------------------------------------

    def stray_metadata(self, line: Line) -> None:
        self.pos += 1
        if line.kind is Kind.DATE and not self.listing.entries and self.listing.capture_date is None:
            date, _ = self.date(line)
            if date is not None:
                self.listing.capture_date = date
                self.header_line(line)
            return
        what = {
            Kind.AUTHORS: "author count",
            Kind.BULLET: "bullet",
            Kind.SEPARATOR: '"·" separator',
            Kind.DATE: "date",
        }[line.kind]
        self.listing.report(
            line.number, Severity.ERROR, f'{what} "{line.text.strip()}" does not follow an entry'
        )


def parse_organization(text: str) -> Organization:
    handle, _, name = text.strip().partition(" ")
    return Organization(handle=handle, name=name.strip() or handle)


def _is_plain_lowercase(token: str) -> bool:
    return token.isalpha() and token.islower()


def _clip(text: str, width: int = 60) -> str:
    text = text.strip()
    return text if len(text) <= width else text[: width - 1] + "…"
