"""From a file's bytes to clean text: decoded line by line, line endings read, forbidden characters out.

A listing file should be UTF-8 with LF or CRLF line endings. Files that are not still hold good
entries, so nothing here gives up on a whole file that can be read in part:

* line endings: LF and CRLF are line breaks; a file with no LF at all but with CRs (old Mac style)
  is read with CR as its line break (an info line says so);
* bytes: each line is decoded as UTF-8 on its own. A line that is not (a Windows-1252 capture, one
  stray byte) is read as Windows-1252, the usual culprit, and a warning names the first bad byte,
  its line and its column. A NUL byte is removed, with a warning at its line and column;
* characters that may not appear in HTML, XML 1.0 or JSON text: C0 and C1 control characters (a
  tab is a space), a CR inside a line, U+2028/U+2029, and the Unicode noncharacters (U+FDD0-U+FDEF,
  U+xFFFE, U+xFFFF) are replaced by a space, with a warning at the first one of each line.

Only a file that is mostly NUL bytes or undecodable is refused ("binary file"). Every step is one
pass over the data (regular expressions without nested repetition), so a 1 MB line costs
milliseconds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from generator.model import Diagnostic, Severity

# Characters that never reach a page, a feed or a data file: C0 controls but LF, DEL, C1 controls
# (U+0085 included), the line and paragraph separators, and the noncharacters.
_FORBIDDEN = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ufdd0-\ufdef\ufffe\uffff"
    "\U0001fffe\U0001ffff\U0002fffe\U0002ffff\U0003fffe\U0003ffff\U0004fffe\U0004ffff"
    "\U0005fffe\U0005ffff\U0006fffe\U0006ffff\U0007fffe\U0007ffff\U0008fffe\U0008ffff"
    "\U0009fffe\U0009ffff\U000afffe\U000affff\U000bfffe\U000bffff\U000cfffe\U000cffff"
    "\U000dfffe\U000dffff\U000efffe\U000effff\U000ffffe\U000fffff\U0010fffe\U0010ffff]"
)
# A file is binary, not a listing, when more than this share of its lines hold NUL bytes, or of its
# bytes are C0 control codes other than whitespace. Text in a legacy encoding is neither.
BINARY_SHARE = 0.3
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Decoded:
    """A file's text (None when it is refused) and what was found on the way."""

    text: str | None
    diagnostics: tuple[Diagnostic, ...]


def codepoint(char: str) -> str:
    return f"U+{ord(char):04X}"


def _line_break(data: bytes) -> bytes:
    return b"\n" if b"\n" in data or b"\r" not in data else b"\r"


def decode(path: str, data: bytes) -> Decoded:
    """Bytes to text with ``\\n`` line breaks, recovering every line that can be read."""
    problems: list[Diagnostic] = []
    if not data.strip():
        return Decoded(None, (Diagnostic(path, 0, Severity.ERROR, "file is empty"),))
    newline = _line_break(data)
    if newline == b"\r":
        problems.append(
            Diagnostic(
                path, 1, Severity.INFO, "line breaks are CRs alone (old Mac style); read as line breaks"
            )
        )
    controls = len(_CONTROL_BYTES.findall(data))
    if b"\x00" not in data and controls <= max(2, 0.1 * len(data)):
        try:  # the usual file: UTF-8 throughout, decoded at once (scrub() reads its CRs)
            return Decoded(data.decode("utf-8"), tuple(problems))
        except UnicodeDecodeError:
            pass
    raw_lines = data.split(newline)
    lines: list[str] = []
    with_nul: list[int] = []  # lines with NUL bytes
    for number, raw in enumerate(raw_lines, start=1):
        if newline == b"\n" and raw.endswith(b"\r"):
            raw = raw[:-1]
        if b"\x00" in raw:
            with_nul.append(number)
            column = raw.index(b"\x00") + 1
            count = raw.count(b"\x00")
            problems.append(
                Diagnostic(
                    path,
                    number,
                    Severity.WARNING,
                    f"NUL byte at column {column}{f' and {count - 1} more' if count > 1 else ''}; removed",
                    "bad-bytes",
                )
            )
            raw = raw.replace(b"\x00", b"")
        try:
            lines.append(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            problems.append(
                Diagnostic(
                    path,
                    number,
                    Severity.WARNING,
                    f"not UTF-8: invalid byte 0x{raw[exc.start : exc.start + 1].hex()} at column "
                    f"{exc.start + 1}; the line is read as Windows-1252",
                    "bad-bytes",
                )
            )
            lines.append(raw.decode("cp1252", errors="replace"))
    many_nul = len(with_nul) >= 2 and len(with_nul) > BINARY_SHARE * len(raw_lines)
    if many_nul or controls > max(2, 0.1 * len(data)):
        first = data.find(b"\x00") if with_nul else _CONTROL_BYTES.search(data).start()  # type: ignore[union-attr]
        why = (
            f"{len(with_nul)} of {len(raw_lines)} lines hold NUL bytes"
            if many_nul
            else f"{controls} of {len(data)} bytes are control codes"
        )
        line = data[:first].count(newline) + 1
        return Decoded(None, (Diagnostic(path, line, Severity.ERROR, f"binary file ({why}); not a listing"),))
    return Decoded("\n".join(lines), tuple(problems))


def scrub(path: str, text: str) -> tuple[str, list[Diagnostic]]:
    """``text`` with every forbidden character replaced by a space, and a warning per line that
    had one (at its first). CRLF and lone-CR files are read as :func:`decode` reads them."""
    problems: list[Diagnostic] = []
    if "\n" not in text and "\r" in text:
        text = text.replace("\r", "\n")
    elif "\r" in text:
        text = text.replace("\r\n", "\n")
    if _FORBIDDEN.search(text) is None:
        return text, problems
    lines = text.split("\n")
    for number, line in enumerate(lines, start=1):
        if _FORBIDDEN.search(line) is None:
            continue
        first = next((m for m in _FORBIDDEN.finditer(line) if m.group() != "\t"), None)  # a tab is quiet
        if first is not None:
            problems.append(
                Diagnostic(
                    path,
                    number,
                    Severity.WARNING,
                    f"control character {codepoint(first.group())} at column {first.start() + 1}; "
                    "replaced by a space",
                    "control-character",
                )
            )
        lines[number - 1] = _FORBIDDEN.sub(" ", line)
    return "\n".join(lines), problems


def has_forbidden(text: str) -> bool:
    return _FORBIDDEN.search(text) is not None
