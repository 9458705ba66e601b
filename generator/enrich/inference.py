"""Tag assignment: the rules' evidence and the vectors' evidence, combined; a paper's tags ordered.

Evidence of two kinds, for every paper and every tag:

* rules (:meth:`generator.enrich.tagging.Taxonomy.evidence`): unambiguous hits score at once; hits of
  ``ambiguous`` rules (words with two meanings: diffusion, agent, kernel...) score only when corroborated,
  by an unambiguous hit of the same tag or by the vectors (similarity at least ``CORROBORATE``);
* vectors: the cosine between the paper's semantic vector (the atlas's shared space,
  :mod:`generator.enrich.embed`) and the tag's *prototype*. A prototype starts from the tag's own text
  (name, description and phrases, encoded like a paper and centred the same way); when at least
  ``MIN_EXEMPLARS`` papers carry the tag confidently by rule (an unambiguous hit in the title), the
  centroid of those papers is added to it (weight ``EXEMPLAR_WEIGHT``).

A tag is given when the rules give it and the vectors agree (similarity at least ``AGREE``), or by the
vectors alone when they are strong: similarity at least ``STRONG`` and the paper's nearest prototype by
``MARGIN`` (these papers' tags are "inferred" and shown as such). A paper these tests leave without a
tag still gets a primary when the rules give it one (``fallback_rules``): the rule tag of highest combined
evidence, even where the vectors prefer other tags (on the judged papers, a rule tag the vectors do not
rank first is still right or loose more often than not, and a bare paper is never covered). Tags are
ordered by their combined evidence, ``min(rule score, RULE_CAP) / RULE_CAP + similarity``: the first is
the paper's primary tag; a tag whose evidence is below ``KEEP_SHARE`` of the primary's is dropped, and
at most ``MAX_TAGS`` kept (precision first: a second tag must be nearly as well supported as the first).

All of it is a few dense matrix operations over (papers x tags): one product of the paper vectors with
the prototypes, no loop over tags per paper. The thresholds were calibrated by ``python -m
benchmarks.eval_tags --calibrate`` on the tuning split of the hand-labelled papers
(``benchmarks/tagdata/labels.yml``), never on its held-out split (``--split tune`` prints only the
tuning split and the corpus sample); see ``benchmarks/RESULTS.md``. ``GAP`` 0.15 and ``KEEP_SHARE`` 0.8
were chosen as the settings that improved right, wrong and main coverage at once on both the tuning split
and the corpus sample; the others changed nothing beyond a paper or two either way (the exemplar weight
0.5-2, ``CORROBORATE`` 0.2-0.3, ``STRONG`` 0.45-0.5).

A learned ranker was tried and not kept: a logistic regression over tag-agnostic features (title and
abstract hits, ambiguous hits, similarity and its gap to the paper's best, broad tag, rule tag given),
trained on the tuning split and measured by 5-fold cross-validation, gave the same trade-off curve as these
hand-set thresholds (about 88% right, 6% wrong, 75% main covered), so the thresholds stay: they need no
labels at build time. What limits both is the evidence: the vectors rank the main tag first for about
two thirds of the papers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from generator.enrich.tagging import TITLE_SCORE, RuleEvidence, Taxonomy

# Calibrated on the tuning split (benchmarks/eval_tags.py --calibrate).
AGREE = 0.0  # rules give the tag: the vectors must not contradict them ...
GAP = 0.15  # ... nor prefer other tags: the tag's similarity is within GAP of the paper's best
CORROBORATE = 0.3  # an ambiguous rule counts when the paper is this near the tag's prototype (and within GAP)
STRONG = 0.45  # the vectors alone give the tag ...
MARGIN = 0.05  # ... when it is also the paper's nearest prototype by this much
KEEP_SHARE = 0.8  # a tag's combined evidence, as a share of the primary tag's
MAX_TAGS = 2
RULE_CAP = 6  # rule scores above this add nothing (two title hits)
MIN_EXEMPLARS = 3  # papers tagged confidently by rule before their centroid joins the prototype
EXEMPLAR_WEIGHT = 1.0


@dataclass(frozen=True, order=True)
class InferredTag:
    """A tag given by the vectors alone: the paper is ``similarity`` near the tag's prototype."""

    tag: str
    similarity: float


@dataclass(frozen=True)
class Settings:
    """The thresholds of :func:`assign` (module doc), so an evaluation can vary them."""

    agree: float = AGREE
    corroborate: float = CORROBORATE
    gap: float = GAP
    strong: float = STRONG
    margin: float = MARGIN
    keep_share: float = KEEP_SHARE
    max_tags: int = MAX_TAGS
    yields: bool = True  # apply the tags' yields_to
    exemplar_weight: float = EXEMPLAR_WEIGHT
    vectors: bool = True  # False: the rules alone (ambiguous rules corroborated only by other rules)
    fallback_rules: bool = True  # a paper left without a tag gets its best rule tag, agreed or not
    fallback_sim: float = 2.0  # ... or, with none, its nearest prototype when at least this near


@dataclass(frozen=True)
class Assignment:
    """Every paper's tags: ``tags`` (the rules', agreed by the vectors) ordered by evidence, primary
    first, and ``inferred`` (the vectors' alone)."""

    tags: dict[str, tuple[str, ...]]
    inferred: dict[str, tuple[InferredTag, ...]]


def prototype_text(taxonomy: Taxonomy, index: int) -> str:
    """What a tag's prototype is encoded from: its name, its description and its phrases."""
    tag = taxonomy.tags[index]
    return f"{tag.name}. {tag.description} {', '.join((*tag.phrases, *tag.aliases))}."


def text_prototypes(taxonomy: Taxonomy, centre: np.ndarray) -> np.ndarray:
    """(tags x dimensions) unit vectors of the tags' own texts, in the papers' centred space."""
    from generator.enrich.embed import centred, load_model

    texts = [prototype_text(taxonomy, i) for i in range(len(taxonomy.tags))]
    if not texts:
        return np.zeros((0, len(centre)), dtype=np.float32)
    return centred(load_model().encode(texts), centre)


def rule_matrices(
    taxonomy: Taxonomy, evidence: Sequence[tuple[RuleEvidence, ...]]
) -> tuple[np.ndarray, np.ndarray]:
    """(papers x tags) scores of the unambiguous rules and of the ambiguous ones."""
    plain = np.zeros((len(evidence), len(taxonomy.tags)), dtype=np.float32)
    ambiguous = np.zeros_like(plain)
    rows = [i for i, found in enumerate(evidence) for _ in found]
    columns = [e.tag for found in evidence for e in found]
    plain[rows, columns] = [e.plain for found in evidence for e in found]
    ambiguous[rows, columns] = [e.ambiguous for found in evidence for e in found]
    return plain, ambiguous


def prototypes(
    base: np.ndarray, semantic: np.ndarray, plain: np.ndarray, settings: Settings = Settings()
) -> np.ndarray:
    """The tags' prototypes: their texts' vectors (``base``) plus, for a tag that at least
    ``MIN_EXEMPLARS`` papers carry confidently by rule (a title hit of an unambiguous rule), the
    centroid of those papers."""
    confident = (plain >= TITLE_SCORE).astype(np.float32)  # (papers x tags)
    counts = confident.sum(axis=0)
    centroids = confident.T @ semantic  # (tags x dimensions): sums
    norms = np.linalg.norm(centroids, axis=1, keepdims=True)
    centroids = np.divide(centroids, norms, out=np.zeros_like(centroids), where=norms > 0)
    use = (counts >= MIN_EXEMPLARS)[:, None]
    mixed = base + np.where(use, settings.exemplar_weight * centroids, 0.0)
    norms = np.linalg.norm(mixed, axis=1, keepdims=True)
    unit: np.ndarray = np.divide(mixed, norms, out=np.zeros_like(mixed), where=norms > 0)
    return unit.astype(np.float32)


def yielding_matrix(taxonomy: Taxonomy) -> np.ndarray:
    """(tags x tags): ``[t, u]`` is 1 when tag t yields to tag u (``yields_to``; ``any``: every other tag)."""
    index = {t.id: j for j, t in enumerate(taxonomy.tags)}
    matrix = np.zeros((len(index), len(index)), dtype=np.float32)
    for j, tag in enumerate(taxonomy.tags):
        if "any" in tag.yields_to:
            matrix[j] = 1.0
            matrix[j, j] = 0.0
        for other in tag.yields_to:
            if other in index:
                matrix[j, index[other]] = 1.0
    return matrix


def decide(
    taxonomy: Taxonomy,
    plain: np.ndarray,
    ambiguous: np.ndarray,
    similarity: np.ndarray | None,
    settings: Settings = Settings(),
) -> tuple[list[list[int]], list[list[tuple[int, float]]]]:
    """Per paper: the rule tags kept (tag indexes, primary first) and the inferred ones (with their
    similarity). ``similarity`` is (papers x tags), or None for the rules alone."""
    n, count = plain.shape
    min_score = np.array([t.min_score for t in taxonomy.tags], dtype=np.float32)
    if similarity is None or not settings.vectors:
        sim = np.zeros((n, count), dtype=np.float32)
        corroborated = plain > 0
        agree = np.ones((n, count), dtype=bool)
        strong = np.zeros((n, count), dtype=bool)
    else:
        sim = np.round(similarity, 6)  # rounded before ranking: the same order on every machine
        near = sim >= sim.max(axis=1, keepdims=True) - settings.gap
        corroborated = (plain > 0) | ((sim >= settings.corroborate) & near)
        agree = (sim >= settings.agree) & near
        if count > 1:
            top2 = -np.sort(-sim, axis=1)[:, :2]
            nearest = (sim >= top2[:, :1]) & (top2[:, :1] - top2[:, 1:2] >= settings.margin)
        else:
            nearest = np.ones((n, count), dtype=bool)
        strong = (sim >= settings.strong) & nearest
    score = plain + np.where(corroborated, ambiguous, 0.0)
    by_rule = (score >= min_score) & agree
    inferred = strong & ~by_rule
    if settings.fallback_rules:
        # A paper the strict tests leave bare keeps the rule tags its vector does not contradict most.
        bare = ~(by_rule | inferred).any(axis=1, keepdims=True)
        ruled = score >= min_score
        evid0 = np.where(ruled, np.minimum(score, RULE_CAP) / RULE_CAP + sim, -np.inf)
        best0 = evid0 >= evid0.max(axis=1, keepdims=True)
        by_rule |= bare & ruled & best0
    if similarity is not None and settings.vectors:
        bare = ~(by_rule | inferred).any(axis=1, keepdims=True)
        top = sim >= sim.max(axis=1, keepdims=True)
        inferred |= bare & top & (sim >= settings.fallback_sim)
    if settings.yields:
        # A tag yields to a more specific one given to the same paper (taxonomy ``yields_to``).
        given = (by_rule | inferred).astype(np.float32)
        displaced = (given @ yielding_matrix(taxonomy).T) > 0
        by_rule &= ~displaced
        inferred &= ~displaced
    evidence = np.minimum(score, RULE_CAP) / RULE_CAP + sim
    evidence = np.round(np.where(by_rule | inferred, evidence, -np.inf), 6)
    # Best first, ties by tag index (file order): one sort for all papers.
    order = np.lexsort((np.broadcast_to(np.arange(count), (n, count)), -evidence), axis=1)
    kept: list[list[int]] = []
    guessed: list[list[tuple[int, float]]] = []
    chosen = by_rule | inferred
    counts = chosen.sum(axis=1)
    for i in np.flatnonzero(counts).tolist():
        row_order = order[i, : int(counts[i])].tolist()
        best = float(evidence[i, row_order[0]])
        floor = settings.keep_share * best
        rule_tags: list[int] = []
        vector_tags: list[tuple[int, float]] = []
        for j in row_order[: settings.max_tags]:
            if evidence[i, j] < floor and (rule_tags or vector_tags):
                break
            if by_rule[i, j]:
                rule_tags.append(j)
            else:
                vector_tags.append((j, float(sim[i, j])))
        kept.append(rule_tags)
        guessed.append(vector_tags)
    full_kept: list[list[int]] = [[] for _ in range(n)]
    full_guessed: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    for i, a, b in zip(np.flatnonzero(counts).tolist(), kept, guessed, strict=True):
        full_kept[i], full_guessed[i] = a, b
    return full_kept, full_guessed


def assign(
    taxonomy: Taxonomy,
    paper_ids: Sequence[str],
    evidence: Sequence[tuple[RuleEvidence, ...]],
    semantic: np.ndarray | None,
    centre: np.ndarray | None,
    settings: Settings = Settings(),
    base: np.ndarray | None = None,
) -> Assignment:
    """Every paper's tags from its rule ``evidence`` and its ``semantic`` vector (module doc).

    ``semantic`` (papers x dimensions, unit rows, centred on ``centre``) may be None: the rules alone.
    ``base`` (the tags' text vectors, :func:`text_prototypes`) is computed when not given.
    """
    plain, ambiguous = rule_matrices(taxonomy, evidence)
    similarity = None
    if semantic is not None and centre is not None and settings.vectors and len(taxonomy.tags):
        if base is None:
            base = text_prototypes(taxonomy, centre)
        protos = prototypes(base, semantic, plain, settings)
        similarity = semantic @ protos.T
    kept, guessed = decide(taxonomy, plain, ambiguous, similarity, settings)
    ids = [t.id for t in taxonomy.tags]
    tags = {pid: tuple(ids[j] for j in js) for pid, js in zip(paper_ids, kept, strict=True)}
    inferred = {
        pid: tuple(InferredTag(ids[j], round(s, 3)) for j, s in found)
        for pid, found in zip(paper_ids, guessed, strict=True)
        if found
    }
    return Assignment(tags, inferred)


def vector_only(tags: Mapping[str, tuple[str, ...]], inferred: Mapping[str, tuple[InferredTag, ...]]) -> int:
    """How many papers carry only inferred tags."""
    return sum(1 for pid in inferred if not tags.get(pid))
