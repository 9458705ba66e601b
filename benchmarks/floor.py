"""The floor of the stack: a plain ``mkdocs build`` of N paper-sized Markdown pages.

``python -m benchmarks.floor N [--seed S] [--keep DIR] [--lean]`` writes a MkDocs project with N ordinary
pages shaped like a paper page (title heading, metadata line, ~1.5 KB abstract, a few links, five
related-paper links; ~3 KB of Markdown each), the same theme (material, ``font: false``) and the
search plugin, papers left out of the nav, then times the build in a child process and prints
``{"n", "seconds", "peak_rss_mb", "site_bytes", "docs_bytes"}`` as JSON. ``--lean`` writes leaner pages
(the title, the abstract as written and five links: the floor of an independent check, about a
quarter faster to build than these at 10k). Whatever the generator adds
on top of this is its own cost; this is what MkDocs alone needs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from random import Random

from benchmarks.measure import run_measured
from benchmarks.synth import SynthPaper, fold, generate_papers

MKDOCS_YML = """\
site_name: Paper Atlas floor
theme:
  name: material
  font: false
plugins:
  - search
nav:
  - Home: index.md
"""
ABSTRACT_CHARS = 1500
RELATED = 5
_SLUG_JUNK = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class FloorResult:
    """One floor build."""

    n: int
    seconds: float
    peak_rss_mb: float
    site_bytes: int
    docs_bytes: int
    cpu_seconds: float = 0.0

    def to_json(self) -> dict[str, object]:
        return {
            "n": self.n,
            "seconds": round(self.seconds, 2),
            "peak_rss_mb": round(self.peak_rss_mb, 1),
            "site_bytes": self.site_bytes,
            "docs_bytes": self.docs_bytes,
        }


def page_slug(title: str) -> str:
    """Shaped like the generator's paper ids: a slug of at most 60 chars plus 8 hex of a hash."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii").lower()
    slug = _SLUG_JUNK.sub("-", ascii_text).strip("-")[:60].strip("-") or "paper"
    return f"{slug}-{hashlib.sha256(fold(title).encode('utf-8')).hexdigest()[:8]}"


def _long_abstract(papers: Sequence[SynthPaper], i: int) -> str:
    """The paper's abstract, topped up with the next papers' sentences to about ABSTRACT_CHARS."""
    text = papers[i].abstract
    k = i + 1
    while len(text) < ABSTRACT_CHARS and len(papers) > 1:
        text += " " + papers[k % len(papers)].abstract
        k += 1
    if len(text) > ABSTRACT_CHARS:
        cut = text.find(". ", ABSTRACT_CHARS - 100)
        text = text[: cut + 1] if 0 <= cut < ABSTRACT_CHARS + 300 else text[:ABSTRACT_CHARS]
    return text


def split_upvotes(written: str | None) -> tuple[str | None, str | None]:
    """``"Jul 8, 2024 1"`` -> ``("Jul 8, 2024", "1")``; ``"May 21"`` -> ``("May 21", None)``."""
    if written is None:
        return None, None
    words = written.split(" ")
    with_year = words[1].endswith(",")
    if len(words) == (4 if with_year else 3):
        return " ".join(words[:-1]), words[-1]
    return written, None


def render_page(papers: Sequence[SynthPaper], slugs: Sequence[str], i: int, related: Sequence[int]) -> str:
    """Markdown of one paper-shaped page."""
    paper = papers[i]
    meta: list[str] = []
    if paper.organization is not None:
        meta.append(f"**{paper.organization[1]}** (`{paper.organization[0]}`)")
    elif paper.authors is not None:
        meta.append(f"**{paper.authors} authors**")
    date, upvotes = split_upvotes(paper.date)
    meta.append(f"Published {date or 'date unknown'}")
    if upvotes:
        meta.append(f"▲ {upvotes}")
    meta.append("[Collection](../index.md)")
    name = paper.name.lower()
    links = (
        f"[Code](https://github.com/example/{name}) · [Search arXiv](https://arxiv.org/search/?query={name})"
        " · [All papers](../index.md)"
    )
    lines = [
        f"# {paper.title}",
        "",
        " · ".join(meta),
        "",
        _long_abstract(papers, i),
        "",
        links,
        "",
        "## Related papers",
        "",
    ]
    for j in related:
        snippet = papers[j].abstract[:120].rsplit(" ", 1)[0]
        lines.append(f"- [{papers[j].title}]({slugs[j]}.md) — {snippet}…")
    return "\n".join(lines) + "\n"


def render_lean_page(
    papers: Sequence[SynthPaper], slugs: Sequence[str], i: int, related: Sequence[int]
) -> str:
    """Markdown of a leaner page: the title, the abstract as written and five links, nothing else
    (the floor of an independent check of the build; ``--lean``)."""
    lines = [f"# {papers[i].title}", "", papers[i].abstract, "", "## Related papers", ""]
    lines += [f"- [{papers[j].title}]({slugs[j]}.md)" for j in related]
    return "\n".join(lines) + "\n"


def write_project(root: Path, n: int, seed: int = 0, lean: bool = False) -> int:
    """Write mkdocs.yml, docs/index.md and N pages under docs/papers/; return the Markdown bytes."""
    papers = generate_papers(n, seed)
    slugs = [page_slug(p.title) for p in papers]
    rng = Random(seed)
    papers_dir = root / "docs" / "papers"
    papers_dir.mkdir(parents=True)
    (root / "mkdocs.yml").write_text(MKDOCS_YML, encoding="utf-8")
    index = f"# Paper Atlas floor\n\n{n} paper pages, none of them in the nav.\n"
    (root / "docs" / "index.md").write_text(index, encoding="utf-8")
    total = len(index.encode("utf-8"))
    for i in range(n):
        others = [j for j in rng.sample(range(n), min(n, RELATED + 1)) if j != i][:RELATED]
        data = (render_lean_page if lean else render_page)(papers, slugs, i, others).encode("utf-8")
        (papers_dir / f"{slugs[i]}.md").write_bytes(data)
        total += len(data)
    return total


def tree_bytes(root: Path) -> int:
    """Total size of the files under ``root``."""
    return sum(
        os.path.getsize(os.path.join(base, name)) for base, _, names in os.walk(root) for name in names
    )


def run_floor(n: int, seed: int = 0, keep: Path | None = None, lean: bool = False) -> FloorResult:
    """Write the project (into ``keep`` or a temporary directory) and measure ``mkdocs build``."""
    root = keep if keep is not None else Path(tempfile.mkdtemp(prefix="floor-"))
    try:
        if keep is not None:
            if keep.exists() and any(keep.iterdir()):
                raise FileExistsError(f"{keep} is not empty")
            keep.mkdir(parents=True, exist_ok=True)
        docs_bytes = write_project(root, n, seed, lean)
        cmd = [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "-f",
            str(root / "mkdocs.yml"),
            "-d",
            str(root / "site"),
        ]
        m = run_measured(cmd, cwd=root).check("mkdocs build")
        return FloorResult(n, m.seconds, m.peak_rss_mb, tree_bytes(root / "site"), docs_bytes, m.cpu_seconds)
    finally:
        if keep is None:
            shutil.rmtree(root, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.floor", description=__doc__.split("\n")[0])
    parser.add_argument("n", type=int, help="number of paper-shaped pages")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, help="write the project here (must be empty) and keep it")
    parser.add_argument("--lean", action="store_true", help="leaner pages: title, abstract, five links")
    args = parser.parse_args(argv)
    json.dump(run_floor(args.n, args.seed, args.keep, args.lean).to_json(), sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
