"""Command line: ``python -m generator check|records|suggest-tags``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .atlas import build_atlas
from .model import Severity
from .output import write_atomic
from .suggest import suggest as suggest_tags
from .suggest import to_yaml


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--corpus", type=Path, default=Path("corpus"), help="folder of listing files (default: corpus)"
    )
    parser.add_argument(
        "--taxonomy", type=Path, default=Path("taxonomy.yml"), help="tag taxonomy (default: taxonomy.yml)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m generator", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="print every diagnostic and a summary; exit 1 on any error")
    _common(check)
    check.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors, no info lines")
    records = commands.add_parser("records", help='write {"papers": [...]} as JSON')
    _common(records)
    records.add_argument("-o", "--output", type=Path, help="output file (default: standard output)")
    suggest = commands.add_parser(
        "suggest-tags", help="print each automatic topic as a ready-to-paste taxonomy.yml entry"
    )
    _common(suggest)
    args = parser.parse_args(argv)

    atlas = build_atlas(args.corpus, args.taxonomy)
    if args.command == "check":
        for d in atlas.diagnostics:
            if args.quiet and d.severity is Severity.INFO:
                continue
            print(d)
        corpus = atlas.corpus
        print(
            f"{corpus.file_count} files, {corpus.entry_count} entries, {len(corpus.papers)} unique papers, "
            f"{len(atlas.taxonomy.tags)} tags, {atlas.warnings} warnings, {atlas.errors} errors"
        )
        return 1 if atlas.errors else 0

    if args.command == "suggest-tags":
        if not atlas.topics:
            print("# Every paper carries a rule tag or an inferred one: no automatic topic to suggest from.")
        for s in suggest_tags(atlas):
            print(to_yaml(s, atlas))
        return 0

    text = atlas.records_json()
    if args.output:
        write_atomic(args.output, text)
    else:
        sys.stdout.write(text)
    for d in atlas.diagnostics:
        if d.severity is not Severity.INFO:
            print(d, file=sys.stderr)
    return 1 if atlas.errors else 0
