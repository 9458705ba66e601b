"""Whole-site outputs that are not pages: ``papers.json``; and atomic file writes."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from generator.atlas import Atlas
from generator.model import Paper
from generator.site import routes
from generator.site.routes import Routes


def record_lines(atlas: Atlas, site: Routes) -> Iterator[str]:
    """``{"papers": [...]}`` (README "Record schema") piece by piece, one paper a line (json's C
    encoder; no indentation to pay for), so it can be streamed to a file without holding it whole."""
    yield '{"papers": ['
    separator = "\n"
    for p in atlas.papers:
        yield separator + record_json(atlas, site, p)
        separator = ",\n"
    yield "\n]}\n" if atlas.papers else "]}\n"


def record_json(atlas: Atlas, site: Routes, p: Paper) -> str:
    """One paper's record (README "Record schema") as JSON: a line of ``papers.json``, and the
    paper's own ``.json`` beside its page."""
    return json.dumps(atlas.record(p, site.url(routes.paper(p.id))), ensure_ascii=False)


def records_json(atlas: Atlas, site: Routes) -> str:
    return "".join(record_lines(atlas, site))


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
