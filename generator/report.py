"""The one reporter: how problems are written and where a maintainer sees them.

Every stage collects :class:`~generator.model.Diagnostic` values; this module formats them
(``path:line: severity: message``), collapses repeats (after ``REPEATS_SHOWN`` of one kind, one line
says how many more), and writes them as text (``python -m generator check``, the MkDocs log), as
GitHub workflow commands (annotations) and as the job summary. Problems that have no corpus place
(a helper process that failed) go through :func:`problem_logger` too. Corpus text is data here:
escaped for workflow commands as GitHub's toolkit escapes it, and for Markdown in the summary.
"""

from __future__ import annotations

import logging
import sys
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from generator.model import Diagnostic, Severity
from generator.site.escape import markdown_text

if TYPE_CHECKING:
    from generator.atlas import Atlas
    from generator.ingest.changes import Changes

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
ANNOTATION_LIMIT = 10
"""GitHub turns at most this many errors, and as many warnings and notices, of one step into annotations."""
FILES_LISTED = 10
KINDS_LISTED = 25
REPEATS_SHOWN = 10
"""Of one kind (category and severity) of problem, this many are written out; the rest are counted."""
LEVELS = {Severity.INFO: logging.INFO, Severity.WARNING: logging.WARNING, Severity.ERROR: logging.ERROR}

# Below MkDocs' logger, so `mkdocs build -q`/`-v` set its level; not propagating, so MkDocs' strict
# mode (a handler on the "mkdocs" logger) never counts what it logs: printed by its own handler.
_problems = logging.getLogger("mkdocs.plugins.paper_atlas.problems")
_problems.propagate = False


class _Stderr(logging.Handler):
    """Writes each record to the current ``sys.stderr`` (as MkDocs' handler does, without its prefix)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
        except Exception:  # logging's contract: report, never raise
            self.handleError(record)


def problem_logger() -> logging.Logger:
    """Where problems are logged when they must show but not fail ``mkdocs build --strict``."""
    if not any(isinstance(h, _Stderr) for h in _problems.handlers):
        _problems.addHandler(_Stderr())
    return _problems


def collapsed(
    diagnostics: Iterable[Diagnostic], limit: int | None = REPEATS_SHOWN
) -> Iterator[Diagnostic | str]:
    """The diagnostics in order, but of each kind only the first ``limit`` (``None``: all); then one
    line per kind cut short: ``warning: and 212 more: paper "…" matches no tag rule``."""
    seen: Counter[tuple[str, Severity]] = Counter()
    for d in diagnostics:
        key = (d.category, d.severity)
        seen[key] += 1
        if limit is None or seen[key] <= limit:
            yield d
    if limit is not None:
        for (category, severity), n in seen.items():
            if n > limit:
                yield f"{severity.value}: and {n - limit} more: {category}"


def log_diagnostics(
    diagnostics: Iterable[Diagnostic], logger: logging.Logger, limit: int | None = REPEATS_SHOWN
) -> None:
    """Each diagnostic at its own level (repeats collapsed); a summary line at the level of its kind."""
    for item in collapsed(diagnostics, limit):
        if isinstance(item, Diagnostic):
            logger.log(LEVELS[item.severity], "%s", item)
        else:
            logger.log(LEVELS[Severity(item.partition(":")[0])], "%s", item)


def escape_data(text: str) -> str:
    """The message of a workflow command (``escapeData`` of @actions/core)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value of a workflow command (``escapeProperty`` of @actions/core)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workflow_command(d: Diagnostic, file: str | None = None) -> str:
    """``::warning file=corpus/x.txt,line=23,title=…::message``: an annotation on the file and line.

    ``file`` is the path from the repository root, when it differs from ``d.path``.
    """
    properties = [f"file={escape_property(file or d.path)}"]
    if d.line:
        properties.append(f"line={d.line}")
    properties.append(f"title={escape_property(d.category)}")
    return f"::{COMMANDS[d.severity]} {','.join(properties)}::{escape_data(d.message)}"


def annotation_order(diagnostics: Iterable[Diagnostic], first: Collection[str] = ()) -> list[Diagnostic]:
    """Problems in the files of ``first`` (added or changed ones) ahead of the others, else in order:
    GitHub annotates only the first :data:`ANNOTATION_LIMIT` of each severity."""
    return sorted(diagnostics, key=lambda d: d.path not in first)


def overflow_note(diagnostics: Iterable[Diagnostic]) -> str | None:
    """A line saying which severities exceed what GitHub annotates, or None."""
    counts = Counter(d.severity for d in diagnostics)
    over = [_plural(counts[s], COMMANDS[s]) for s in _PROBLEMS if counts[s] > ANNOTATION_LIMIT]
    if not over:
        return None
    return (
        f"GitHub annotates only the first {ANNOTATION_LIMIT} errors and {ANNOTATION_LIMIT} warnings "
        f"of a step: all {' and '.join(over)} are in this log and counted in the job summary"
    )


FAIL_ON: dict[str, tuple[Severity, ...]] = {
    "error": (Severity.ERROR,),
    "warning": (Severity.ERROR, Severity.WARNING),
    "never": (),
}
"""``check --fail-on``: which severities fail the check."""


def failing(diagnostics: Iterable[Diagnostic], fail_on: str) -> Counter[Severity]:
    """The diagnostics that fail the check under ``fail_on``, counted by severity (empty: it passes)."""
    levels = FAIL_ON[fail_on]
    return Counter(d.severity for d in diagnostics if d.severity in levels)


def outcome(diagnostics: Iterable[Diagnostic], fail_on: str) -> str:
    """One sentence: whether the check fails, and why."""
    counts = failing(diagnostics, fail_on)
    if counts:
        what = " and ".join(_plural(counts[s], COMMANDS[s]) for s in _PROBLEMS if counts[s])
        return f"**This check fails** (`--fail-on {fail_on}`): {what} to fix."
    return (
        f"This check passes (`--fail-on {fail_on}`). Corpus problems never stop the deploy: "
        "each entry is skipped or degraded as reported."
    )


def totals(atlas: Atlas) -> str:
    """``3 files, 7 entries, 7 unique papers, 6 tags, 0 warnings, 0 errors``."""
    corpus = atlas.corpus
    return (
        f"{corpus.file_count} files, {corpus.entry_count} entries, {len(corpus.papers)} unique papers, "
        f"{len(atlas.taxonomy.tags)} tags, {atlas.warnings} warnings, {atlas.errors} errors"
    )


def changes_line(changes: Changes) -> str:
    """What changed since the base revision, on one line."""
    since = f"since {changes.commit[:12]}" if changes.commit else f"every file counts as new ({changes.note})"
    return (
        f"{since}: {len(changes.added)} files added, {len(changes.changed)} changed, "
        f"{len(changes.removed)} removed, {len(changes.new_papers)} new papers"
    )


def problems_by_kind(diagnostics: Iterable[Diagnostic]) -> list[tuple[str, Counter[Severity]]]:
    """``(category, counts by severity)``: most errors first, then most warnings, then by name."""
    kinds: dict[str, Counter[Severity]] = {}
    for d in diagnostics:
        kinds.setdefault(d.category, Counter())[d.severity] += 1
    return sorted(kinds.items(), key=lambda kv: (*(-kv[1][s] for s in _SEVERITIES), kv[0]))


def job_summary(atlas: Atlas, changes: Changes | None = None, fail_on: str | None = None) -> str:
    """The Markdown job summary: what changed, papers tagged by inference, and problems by kind."""
    corpus = atlas.corpus
    rows = [
        ("Corpus", f"{corpus.file_count} files, {corpus.entry_count} entries, {len(corpus.papers)} papers")
    ]
    if changes is not None:
        if changes.commit:
            rows.append((f"Files added or changed since {changes.commit[:12]}", _files(changes)))
        else:
            rows.append(
                (
                    "Files added or changed",
                    f"{_files(changes)} (every file counts as new: {_cell(changes.note)})",
                )
            )
        if changes.removed:
            rows.append(("Files removed", _names(changes.removed)))
        rows.append(("New papers", str(len(changes.new_papers))))
    rows.append(("Papers tagged by inference", str(len(atlas.inferred))))
    in_topics = sum(len(t.papers) for t in atlas.topics)
    rows.append(("Papers in automatic topics", f"{in_topics} in {len(atlas.topics)} topics"))
    lines = ["## Paper Atlas: corpus check", "", "| | |", "|---|---|"]
    lines += [f"| {what} | {value} |" for what, value in rows]
    kinds = problems_by_kind(atlas.diagnostics)
    lines += ["", "| Problems by kind | Errors | Warnings | Info |", "|---|---:|---:|---:|"]
    for category, counts in kinds[:KINDS_LISTED]:
        lines.append(_kind_row(_cell(category), counts))
    if len(kinds) > KINDS_LISTED:
        rest: Counter[Severity] = Counter()
        for _, counts in kinds[KINDS_LISTED:]:
            rest.update(counts)
        lines.append(_kind_row(f"{len(kinds) - KINDS_LISTED} other kinds", rest))
    lines.append(_kind_row("**All**", Counter(d.severity for d in atlas.diagnostics)))
    if fail_on is not None:
        lines += ["", outcome(atlas.diagnostics, fail_on)]
    return "\n".join(lines) + "\n"


def text_lines(
    diagnostics: Iterable[Diagnostic], quiet: bool = False, limit: int | None = REPEATS_SHOWN
) -> Iterator[str]:
    """``corpus/x.txt:23: warning: …`` for every diagnostic (``quiet``: no info lines), repeats of a
    kind collapsed after ``limit`` (``None``: every one)."""
    shown = (d for d in diagnostics if not (quiet and d.severity is Severity.INFO))
    for item in collapsed(shown, limit):
        yield str(item)


_SEVERITIES = (Severity.ERROR, Severity.WARNING, Severity.INFO)
_PROBLEMS = (Severity.ERROR, Severity.WARNING)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _cell(text: str) -> str:
    """Corpus text as one Markdown table cell: one line, shown literally (``|`` included)."""
    return markdown_text(" ".join(text.split()))


def _names(paths: Sequence[str]) -> str:
    text = ", ".join(_cell(p) for p in paths[:FILES_LISTED])
    return text + (f", and {len(paths) - FILES_LISTED} more" if len(paths) > FILES_LISTED else "")


def _files(changes: Changes) -> str:
    count = len(changes.added) + len(changes.changed)
    if not count:
        return "0"
    parts = []
    if changes.added:
        parts.append(f"added {_names(changes.added)}")
    if changes.changed:
        parts.append(f"changed {_names(changes.changed)}")
    return f"{count}: {'; '.join(parts)}"


def _kind_row(name: str, counts: Counter[Severity]) -> str:
    return f"| {name} | " + " | ".join(str(counts[s]) for s in _SEVERITIES) + " |"
