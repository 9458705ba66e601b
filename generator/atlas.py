"""The whole site as one value: records, tags and cross-links, built once after every file is read.

``build_atlas`` is the pipeline: read and merge the corpus, tag every paper, then link
papers to each other. Templates later only present what is computed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .corpus import Corpus, ListingCache, load_corpus
from .links import Related, backlinks, mentions, related_papers
from .model import Collection, Diagnostic, Paper, Severity
from .taxonomy import Taxonomy, load_taxonomy


@dataclass(frozen=True)
class Atlas:
    corpus: Corpus
    taxonomy: Taxonomy
    tags: dict[str, tuple[str, ...]]  # paper id -> tag ids
    related: dict[str, tuple[Related, ...]]
    mentions: dict[str, tuple[str, ...]]
    mentioned_by: dict[str, tuple[str, ...]]
    diagnostics: tuple[Diagnostic, ...]

    @property
    def papers(self) -> tuple[Paper, ...]:
        return self.corpus.papers

    @property
    def collections(self) -> tuple[Collection, ...]:
        return self.corpus.collections

    @property
    def errors(self) -> int:
        return sum(d.severity is Severity.ERROR for d in self.diagnostics)

    @property
    def warnings(self) -> int:
        return sum(d.severity is Severity.WARNING for d in self.diagnostics)

    def record(self, paper: Paper) -> dict[str, Any]:
        """The published JSON record of one paper (see README "Record schema")."""
        data = paper.to_json()
        data["tags"] = list(self.tags.get(paper.id, ()))
        data["related"] = [
            {
                "id": r.id,
                "score": r.score,
                "shared_tags": list(r.shared_tags),
                "shared_terms": list(r.shared_terms),
            }
            for r in self.related.get(paper.id, ())
        ]
        data["mentions"] = list(self.mentions.get(paper.id, ()))
        data["mentioned_by"] = list(self.mentioned_by.get(paper.id, ()))
        return data

    def records(self) -> dict[str, Any]:
        return {"papers": [self.record(p) for p in self.papers]}


def tag_papers(taxonomy: Taxonomy, papers: tuple[Paper, ...]) -> dict[str, tuple[str, ...]]:
    return {p.id: taxonomy.tag(p.title, p.abstract) for p in papers}


def coverage_diagnostics(
    taxonomy_path: str, taxonomy: Taxonomy, papers: tuple[Paper, ...], tags: dict[str, tuple[str, ...]]
) -> list[Diagnostic]:
    """Untagged papers and tags with no paper: both mean the taxonomy needs care."""
    found: list[Diagnostic] = []
    for p in papers:
        if not tags.get(p.id):
            path, _, line = p.sources[0].rpartition(":")
            found.append(Diagnostic(path, int(line), Severity.WARNING, f'paper "{p.title}" matches no tag'))
    used = {t for ts in tags.values() for t in ts}
    for tag in taxonomy.tags:
        if tag.id not in used and papers:
            found.append(Diagnostic(taxonomy_path, 0, Severity.WARNING, f"tag {tag.id!r} matches no paper"))
    return found


def build_atlas(corpus_dir: Path, taxonomy_path: Path, cache: ListingCache | None = None) -> Atlas:
    corpus = load_corpus(corpus_dir, cache) if cache is not None else load_corpus(corpus_dir)
    taxonomy, taxonomy_problems = load_taxonomy(taxonomy_path)
    tags = tag_papers(taxonomy, corpus.papers)
    related = related_papers(corpus.papers, tags)
    outgoing = mentions(corpus.papers)
    diagnostics = [*corpus.diagnostics, *taxonomy_problems]
    diagnostics += coverage_diagnostics(str(taxonomy_path), taxonomy, corpus.papers, tags)
    return Atlas(
        corpus=corpus,
        taxonomy=taxonomy,
        tags=tags,
        related=related,
        mentions=outgoing,
        mentioned_by=backlinks(outgoing),
        diagnostics=tuple(diagnostics),
    )
