"""The whole site as one value: records, tags and cross-links, built once after every file is read.

``build_atlas`` is the pipeline: read and merge the corpus, tag every paper, then link
papers to each other. Templates later only present what is computed here. Related papers,
the heaviest stage, run in a second process (:mod:`generator.parallel`) while this one tags
and finds mentions.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from generator.enrich.embed import VectorCache, cache_dir_from_env
from generator.enrich.inference import InferredTag, assign
from generator.enrich.mentions import backlinks, mentions
from generator.enrich.related import Related, nearest, related_from
from generator.enrich.tagging import RuleEvidence, Tag, Taxonomy, coverage_diagnostics, rule_evidence
from generator.enrich.taxonomy import load_taxonomy
from generator.enrich.topics import Topic, Topics, find_topics
from generator.enrich.vectors import Space, vectorize
from generator.ingest.corpus import Corpus, ListingCache, load_corpus
from generator.model import Collection, Diagnostic, Paper, Severity, count
from generator.parallel import call_in_background


@dataclass(frozen=True)
class Atlas:
    corpus: Corpus
    taxonomy: Taxonomy
    tags: dict[str, tuple[str, ...]]
    """Paper id -> tag ids given by rule (and agreed by the vectors), primary first."""
    related: dict[str, tuple[Related, ...]]
    mentions: dict[str, tuple[str, ...]]
    mentioned_by: dict[str, tuple[str, ...]]
    diagnostics: tuple[Diagnostic, ...]
    inferred: dict[str, tuple[InferredTag, ...]] = field(default_factory=dict)
    """Paper id -> tags its vector alone gives (near the tag's prototype), strongest first."""
    topics: tuple[Topic, ...] = ()
    """Automatic topics of the papers no tag fits, sorted by id: coherent groups only."""
    unsorted: tuple[str, ...] = ()
    """Ids of the papers no tag fits and no coherent topic holds: "not yet sorted" (sorted)."""
    space: Space | None = field(default=None, compare=False, repr=False)
    """The shared vector space the links were computed in (the map's layout reads it)."""

    @cached_property
    def topic_of(self) -> dict[str, str]:
        """Paper id -> id of its automatic topic."""
        return {pid: t.id for t in self.topics for pid in t.papers}

    def area_of(self, paper_id: str) -> Tag | None:
        """The area of a paper's primary tag (its rule tag, else its inferred one), if any."""
        first = (*self.tags.get(paper_id, ()), *(t.tag for t in self.inferred.get(paper_id, ())))
        return self.taxonomy.area_of(first[0]) if first else None

    @property
    def papers(self) -> tuple[Paper, ...]:
        return self.corpus.papers

    @property
    def collections(self) -> tuple[Collection, ...]:
        return self.corpus.collections

    @property
    def errors(self) -> int:
        return count(self.diagnostics, Severity.ERROR)

    @property
    def warnings(self) -> int:
        return count(self.diagnostics, Severity.WARNING)

    def record(self, paper: Paper, url: str) -> dict[str, Any]:
        """The published JSON record of one paper, whose page is at ``url`` (README "Record schema")."""
        data = {"id": paper.id, "url": url, **paper.to_json()}
        data["tags"] = list(self.tags.get(paper.id, ()))
        data["inferred_tags"] = [
            {"id": t.tag, "similarity": t.similarity} for t in self.inferred.get(paper.id, ())
        ]
        data["topic"] = self.topic_of.get(paper.id)
        data["related"] = [
            {
                "id": r.id,
                "score": r.score,
                "shared_tags": list(r.shared_tags),
                "shared_terms": list(r.shared_terms),
                "similar_in_meaning": r.similar_in_meaning,
            }
            for r in self.related.get(paper.id, ())
        ]
        data["mentions"] = list(self.mentions.get(paper.id, ()))
        data["mentioned_by"] = list(self.mentioned_by.get(paper.id, ()))
        return data


@dataclass
class AtlasCache:
    """What one build can hand the next (``mkdocs serve``): parsed files, the taxonomy, rule evidence.

    A paper's rule evidence depends only on its title and abstract and on the taxonomy, so it is kept
    per (title, abstract) for as long as the taxonomy file is byte-for-byte the same. The tags given
    (the vectors' side, prototypes partly built from the corpus), related papers and mentions depend
    on the whole corpus and are recomputed on every build.
    """

    listings: ListingCache = field(default_factory=ListingCache)
    taxonomy_key: str = ""
    taxonomy: tuple[Taxonomy, tuple[Diagnostic, ...]] | None = None
    tags: dict[tuple[str, str], tuple[RuleEvidence, ...]] = field(default_factory=dict)
    tag_hits: int = 0
    tag_misses: int = 0


def group_untagged(
    papers: tuple[Paper, ...],
    space: Space,
    tags: Mapping[str, tuple[str, ...]],
    inferred: Mapping[str, tuple[InferredTag, ...]],
) -> Topics:
    """Automatic topics (coherent ones only) of the papers no tag fits; the rest not yet sorted."""
    untagged = [i for i, p in enumerate(papers) if not tags.get(p.id) and p.id not in inferred]
    return find_topics(papers, space, untagged)


@contextmanager
def _timed(timings: dict[str, float] | None, stage: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        if timings is not None:
            timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - started


def _taxonomy(path: Path, cache: AtlasCache | None) -> tuple[Taxonomy, tuple[Diagnostic, ...]]:
    if cache is None:
        taxonomy, problems = load_taxonomy(path)
        return taxonomy, tuple(problems)
    try:
        key = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        key = ""
    if cache.taxonomy is None or key != cache.taxonomy_key or not key:
        taxonomy, problems = load_taxonomy(path)
        cache.taxonomy = (taxonomy, tuple(problems))
        cache.taxonomy_key = key
        cache.tags = {}
    return cache.taxonomy


def build_atlas(
    corpus_dir: Path,
    taxonomy_path: Path,
    cache: ListingCache | AtlasCache | None = None,
    timings: dict[str, float] | None = None,
    vectors: VectorCache | None = None,
) -> Atlas:
    """Read, tag and link the corpus. ``timings`` (if given) receives the seconds of each stage.

    ``vectors`` caches the semantic vectors between builds; by default in ``$PAPER_ATLAS_CACHE``
    or ``.cache/paper-atlas/`` (see :mod:`generator.enrich.embed`).
    """
    atlas_cache = cache if isinstance(cache, AtlasCache) else None
    listings = cache.listings if isinstance(cache, AtlasCache) else cache
    with _timed(timings, "parse"):
        corpus = load_corpus(corpus_dir, listings) if listings is not None else load_corpus(corpus_dir)
    with _timed(timings, "related"):
        # The heaviest stage needs nothing but the papers: on another core while this one tags.
        papers = corpus.papers
        vectors = vectors if vectors is not None else VectorCache(cache_dir_from_env())
        # Semantic vectors on the other core while this one computes TF-IDF; then the space is
        # here before the fork: the child inherits it, and it stays here too.
        space = vectorize(papers, vectors, background=True)
        neighbours = call_in_background(lambda: nearest(papers, space=space), len(papers))
    with _timed(timings, "tags"):
        taxonomy, taxonomy_problems = _taxonomy(taxonomy_path, atlas_cache)
        if atlas_cache is not None:
            # Keep only this corpus's texts, so the cache never outgrows the corpus.
            previous, atlas_cache.tags = atlas_cache.tags, {}
            for p in corpus.papers:
                key = (p.title, p.abstract)
                if key in previous:
                    atlas_cache.tags[key] = previous[key]
            atlas_cache.tag_hits = len(atlas_cache.tags)
            evidence = rule_evidence(taxonomy, corpus.papers, atlas_cache.tags)
            atlas_cache.tag_misses = len(atlas_cache.tags) - atlas_cache.tag_hits
        else:
            evidence = rule_evidence(taxonomy, corpus.papers)
        given = assign(taxonomy, [p.id for p in papers], evidence, space.semantic, space.centre)
        tags, inferred = given.tags, given.inferred
    with _timed(timings, "mentions"):
        outgoing = mentions(corpus.papers)
        incoming = backlinks(outgoing)
    with _timed(timings, "related"):  # what is left of it: waiting for the other process
        found = neighbours()
        related = related_from(found, corpus.papers, tags)
    with _timed(timings, "topics"):
        grouped = group_untagged(papers, space, tags, inferred)
    diagnostics = [*corpus.diagnostics, *taxonomy_problems]
    diagnostics += coverage_diagnostics(str(taxonomy_path), taxonomy, papers, tags, inferred, grouped)
    return Atlas(
        corpus=corpus,
        taxonomy=taxonomy,
        tags=tags,
        related=related,
        mentions=outgoing,
        mentioned_by=incoming,
        diagnostics=tuple(diagnostics),
        inferred=inferred,
        topics=grouped.topics,
        unsorted=grouped.unsorted,
        space=space,
    )
