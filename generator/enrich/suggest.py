"""``python -m generator suggest-tags``: each automatic topic as a ready-to-paste taxonomy entry.

The entry is named as the topic is (its keyphrases, :mod:`generator.enrich.topics`), and its phrases
start with those keyphrases.

For a topic, candidate phrases are the words and word pairs that several of its members use (stop
words and words every paper uses left out). Phrases are chosen greedily, scored as the taxonomy
scores them: each time the one that would tag the most members not yet tagged, less twice the
papers outside the topic it would also tag, until nothing gains or ``MAX_PHRASES`` are chosen.
The entry is then checked with the real matcher (:class:`generator.enrich.taxonomy.Taxonomy`) over the
whole corpus, and the papers it would tag, in the topic or not, are listed above it as comments.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import yaml
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from generator.atlas import Atlas
from generator.enrich.tagging import DEFAULT_MIN_SCORE, Tag, Taxonomy
from generator.enrich.topics import Topic
from generator.ingest.records import slugify
from generator.model import Paper

MAX_PHRASES = 6
CANDIDATES = 40
OUTSIDE_PENALTY = 2
# Words that say how a paper works rather than what it is about.
GENERIC_WORDS = frozenset(
    "achieve achieves across advance advances approach approaches based benchmark benchmarks better "
    "compared data deep demonstrate efficient evaluation existing experiments framework improve "
    "improves improving large learning learned method methods model models network networks neural "
    "new novel outperforms paper percent performance propose proposed results show shows "
    "significantly state study substantially task tasks toward towards understanding using "
    "via work".split()
)
_WORD = re.compile(r"[a-z][a-z0-9]+(?:-[a-z0-9]+)*")


@dataclass(frozen=True)
class Suggestion:
    topic: Topic
    tag: Tag
    members: tuple[str, ...]  # ids of the topic's papers the tag would match
    others: tuple[str, ...]  # ids of other papers it would match


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _candidates(members: Sequence[Paper]) -> list[str]:
    """Words and word pairs found in at least two members (in one, for a topic of one), most
    widespread first: the phrases a rule for this topic could use."""
    seen: Counter[str] = Counter()
    for p in members:
        words = _words(f"{p.title} . {p.abstract}")
        keep = [w not in ENGLISH_STOP_WORDS and w not in GENERIC_WORDS and len(w) > 2 for w in words]
        found = {w for w, k in zip(words, keep, strict=True) if k}
        found |= {
            f"{a} {b}" for (a, ka), (b, kb) in itertools.pairwise(zip(words, keep, strict=True)) if ka and kb
        }
        seen.update(found)
    least = min(2, len(members))
    ranked = sorted((c for c, n in seen.items() if n >= least), key=lambda c: (-seen[c], -len(c), c))
    return ranked[:CANDIDATES]


def _choose(members: Sequence[Paper], papers: Sequence[Paper]) -> list[str]:
    """Greedy choice of phrases (see module doc), scored by the taxonomy's own rule: a title hit
    scores 3, each distinct abstract hit 1, and a paper is tagged at ``DEFAULT_MIN_SCORE``."""
    pool = _candidates(members)
    if not pool:
        return []
    probe = Taxonomy([Tag(f"c{i}", c, "", phrases=(c,), min_score=1) for i, c in enumerate(pool)])
    member_ids = {p.id for p in members}
    # Per paper that any candidate hits: its score from each candidate.
    hits: list[tuple[bool, dict[int, int]]] = []
    for p in papers:
        scores = {int(s.tag[1:]): s.score for s in probe.scores(p.title, p.abstract) if s.score}
        if scores:
            hits.append((p.id in member_ids, scores))
    chosen: list[int] = []
    totals = [0] * len(hits)

    def gain(c: int) -> int:
        value = 0
        for (member, scores), total in zip(hits, totals, strict=True):
            if total < DEFAULT_MIN_SCORE <= total + scores.get(c, 0):
                value += 1 if member else -OUTSIDE_PENALTY
        return value

    # Ties go to the phrase more member titles hold: a title says what a paper is about.
    titles = [" ".join(_words(p.title)) for p in members]
    in_titles = [sum(f" {c} " in f" {t} " for t in titles) for c in pool]
    while len(chosen) < MAX_PHRASES:
        options = [(gain(c), in_titles[c], -c) for c in range(len(pool)) if c not in chosen]
        best_gain, _, best = max(options, default=(0, 0, 0))
        if best_gain <= 0:
            break
        chosen.append(-best)
        totals = [t + scores.get(-best, 0) for (_, scores), t in zip(hits, totals, strict=True)]
    return [pool[c] for c in chosen]


def _unique_id(base: str, taken: Iterable[str]) -> str:
    taken = set(taken)
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def suggest(atlas: Atlas) -> tuple[Suggestion, ...]:
    """One suggestion per automatic topic, largest topic first."""
    by_id = {p.id: p for p in atlas.papers}
    taken = {t.id for t in atlas.taxonomy.tags}
    out: list[Suggestion] = []
    for topic in sorted(atlas.topics, key=lambda t: (-len(t.papers), t.id)):
        members = [by_id[pid] for pid in topic.papers]
        member_ids = set(topic.papers)
        # The topic's keyphrases (its name) first, then the phrases that tag most of its members.
        phrases = list(dict.fromkeys([*topic.terms, *_choose(members, atlas.papers)]))[:MAX_PHRASES]
        tag_id = _unique_id(slugify(topic.terms[0] if topic.terms else topic.id, 40), taken)
        taken.add(tag_id)
        tag = Tag(
            id=tag_id,
            name=topic.name,
            description=f"Papers about {', '.join(phrases)} (suggested from the automatic topic {topic.id}).",
            phrases=tuple(phrases),
        )
        matcher = Taxonomy([tag])
        hits = [p.id for p in atlas.papers if matcher.tag(p.title, p.abstract)]
        out.append(
            Suggestion(
                topic,
                tag,
                tuple(pid for pid in hits if pid in member_ids),
                tuple(pid for pid in hits if pid not in member_ids),
            )
        )
    return tuple(out)


def to_yaml(s: Suggestion, atlas: Atlas) -> str:
    """The suggestion as a ``taxonomy.yml`` list item, with the papers it would tag as comments."""
    by_id = {p.id: p for p in atlas.papers}
    lines = [
        f"# Automatic topic {s.topic.id}, {s.topic.name!r}: {len(s.topic.papers)} papers.",
        f"# This entry would tag {len(s.members)} of them, and {len(s.others)} papers outside it:",
    ]
    lines += [f"#   + {by_id[pid].title}" for pid in s.members]
    lines += [f"#   ~ {by_id[pid].title}" for pid in s.others]
    missed = sorted(set(s.topic.papers) - set(s.members))
    lines += [f"#   (not matched) {by_id[pid].title}" for pid in missed]
    entry = {
        "id": s.tag.id,
        "name": s.tag.name,
        "description": s.tag.description,
        "match": {"phrases": list(s.tag.phrases)},
    }
    body = yaml.safe_dump([entry], sort_keys=False, allow_unicode=True, width=100)
    return "\n".join(lines) + "\n" + "".join("  " + line + "\n" for line in body.splitlines())
