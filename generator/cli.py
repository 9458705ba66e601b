"""Command line: ``python -m generator check|records|suggest-tags``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from generator.atlas import Atlas, build_atlas
from generator.enrich.suggest import suggest as suggest_tags
from generator.enrich.suggest import to_yaml
from generator.ingest.changes import changes_since
from generator.model import Diagnostic, Severity
from generator.report import (
    FAIL_ON,
    REPEATS_SHOWN,
    annotation_order,
    changes_line,
    failing,
    job_summary,
    overflow_note,
    text_lines,
    totals,
    workflow_command,
)
from generator.site.outputs import records_json, write_atomic
from generator.site.routes import Routes


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--corpus", type=Path, default=Path("corpus"), help="folder of listing files (default: corpus)"
    )
    parser.add_argument(
        "--taxonomy", type=Path, default=Path("taxonomy.yml"), help="tag taxonomy (default: taxonomy.yml)"
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m generator", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser(
        "check", help="print every diagnostic and a summary; exit 1 on any error (see --fail-on)"
    )
    _common(check)
    check.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors, no info lines")
    check.add_argument(
        "--all",
        action="store_true",
        help=f"every problem (by default, after {REPEATS_SHOWN} of a kind the rest are counted on one line)",
    )
    check.add_argument(
        "--format",
        choices=("text", "github"),
        default="text",
        help="text: corpus/x.txt:23: warning: ... (default); github: GitHub Actions workflow commands "
        "(::warning file=corpus/x.txt,line=23,...::...), which annotate the file and line",
    )
    check.add_argument(
        "--summary",
        type=Path,
        metavar="FILE",
        help='append a Markdown summary to FILE (in a workflow: "$GITHUB_STEP_SUMMARY")',
    )
    check.add_argument(
        "--since",
        metavar="REV",
        help="also report the corpus files added or changed since the git revision REV, and the new papers",
    )
    check.add_argument(
        "--fail-on",
        choices=tuple(FAIL_ON),
        default="error",
        help="exit 1 on any error (default), on any error or warning, or never",
    )
    records = commands.add_parser("records", help='write {"papers": [...]} as JSON')
    _common(records)
    records.add_argument("-o", "--output", type=Path, help="output file (default: standard output)")
    suggest = commands.add_parser(
        "suggest-tags", help="print each automatic topic as a ready-to-paste taxonomy.yml entry"
    )
    _common(suggest)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    atlas = build_atlas(args.corpus, args.taxonomy)
    if args.command == "check":
        return _check(args, atlas)

    if args.command == "suggest-tags":
        if not atlas.topics:
            print("# Every paper carries a rule tag or an inferred one: no automatic topic to suggest from.")
        for s in suggest_tags(atlas):
            print(to_yaml(s, atlas))
        return 0

    text = records_json(atlas, Routes())
    if args.output:
        write_atomic(args.output, text)
    else:
        sys.stdout.write(text)
    for d in atlas.diagnostics:
        if d.severity is not Severity.INFO:
            print(d, file=sys.stderr)
    return 1 if atlas.errors else 0


def _check(args: argparse.Namespace, atlas: Atlas) -> int:
    changes = changes_since(args.since, args.corpus, atlas.corpus) if args.since is not None else None
    if args.format == "github":
        shown = [d for d in atlas.diagnostics if not (args.quiet and d.severity is Severity.INFO)]
        first = set(changes.added + changes.changed) if changes else set()
        for d in annotation_order(shown, first):
            print(workflow_command(d, _repository_path(d, args.corpus)))
        note = overflow_note(shown)
        if note:
            print(note)
    else:
        for line in text_lines(atlas.diagnostics, args.quiet, None if args.all else REPEATS_SHOWN):
            print(line)
    print(totals(atlas))
    if changes is not None:
        print(changes_line(changes))
    if args.summary is not None:
        with open(args.summary, "a", encoding="utf-8", newline="\n") as handle:
            handle.write(job_summary(atlas, changes, args.fail_on))
    return 1 if failing(atlas.diagnostics, args.fail_on) else 0


def _repository_path(d: Diagnostic, corpus_dir: Path) -> str:
    """Where an annotation points: the file's path from the working folder (the repository root in a
    workflow). Diagnostics name corpus files ``<corpus folder name>/<file>``; that is right only when
    the corpus is ``./corpus``."""
    head, sep, rest = d.path.partition("/")
    if not sep or head != corpus_dir.name:
        return d.path
    folder = corpus_dir
    if folder.is_absolute():
        try:
            folder = folder.relative_to(Path.cwd())
        except ValueError:
            return d.path
    return (folder / rest).as_posix()
