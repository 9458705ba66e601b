"""Reading the index: the reference implementation of the worker's query (tests and benchmarks)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from generator.search.tokenizer import (
    FIRST_RESULTS,
    MAX_QUERY_WORDS,
    MIN_PREFIX,
    STOP_WORDS,
    _utf16_key,
    idf,
    stem,
    tokens,
)

# -- reading (the reference implementation of the worker's query) ---------------------------------


@dataclass(frozen=True)
class Hit:
    doc: int
    location: str
    title: str
    snippet: str
    byline: str
    score: float
    matched: tuple[str, ...]  # query words found in the document
    missing: tuple[str, ...]


@dataclass(frozen=True)
class QueryWord:
    word: str  # as folded from the query
    term: str  # stemmed
    prefix: bool


def parse_query(
    query: str, stop: frozenset[str] = STOP_WORDS, max_words: int = MAX_QUERY_WORDS
) -> list[QueryWord]:
    words: list[QueryWord] = []
    seen: set[str] = set()
    for w in tokens(query):
        if w in stop or w in seen:
            continue
        seen.add(w)
        t = stem(w)
        words.append(QueryWord(w, t, len(t) >= MIN_PREFIX))
    return words[:max_words]


class IndexReader:
    """Answers queries from an index folder the way the worker does, and records what it read."""

    def __init__(self, index_dir: Path) -> None:
        self.dir = index_dir
        self.read: dict[str, int] = {}  # file -> bytes, in the order first read
        self.manifest: dict[str, Any] = json.loads(self._read("manifest.json"))
        self.n: int = self.manifest["n"]
        self._shards: dict[int, dict[str, Any]] = {}
        self._bitmaps: dict[int, bytes] = {}
        self._blocks: dict[int, list[list[str]]] = {}
        self._firsts = [_utf16_key(t) for t in self.manifest["shards"]]

    def _read(self, rel: str) -> bytes:
        data = (self.dir / rel).read_bytes()
        self.read.setdefault(rel, len(data))
        return data

    def shard(self, i: int) -> dict[str, Any]:
        if i not in self._shards:
            self._shards[i] = json.loads(self._read(f"t/{i}.json"))
        return self._shards[i]

    def shard_of(self, term: str) -> int:
        key = _utf16_key(term)
        lo, hi = 0, len(self._firsts)
        while lo < hi:
            mid = (lo + hi) // 2
            if self._firsts[mid] <= key:
                lo = mid + 1
            else:
                hi = mid
        return max(lo - 1, 0)

    def bitmaps(self, k: int) -> bytes:
        if k not in self._bitmaps:
            self._bitmaps[k] = self._read(f"b/{k}.bin")
        return self._bitmaps[k]

    def block(self, j: int) -> list[list[str]]:
        if j not in self._blocks:
            self._blocks[j] = json.loads(self._read(f"d/{j}.json"))
        return self._blocks[j]

    def variants(self, qw: QueryWord) -> list[tuple[str, Any, float]]:
        """(term, entry, weight): the word itself, and for a prefix word its most frequent extensions."""
        if not self._firsts:
            return []
        i = self.shard_of(qw.term)
        found: list[tuple[str, Any, float]] = []
        shard = self.shard(i)
        if qw.term in shard:
            found.append((qw.term, shard[qw.term], 1.0))
        if qw.prefix:
            pool = dict(shard)
            if i + 1 < len(self._firsts) and self.manifest["shards"][i + 1].startswith(qw.term):
                pool.update(self.shard(i + 1))
            longer = [(t, e) for t, e in pool.items() if t != qw.term and t.startswith(qw.term)]
            longer.sort(key=lambda te: (-_df(te[1]), _utf16_key(te[0])))
            weight = float(self.manifest["expansion_weight"])
            found += [(t, e, weight) for t, e in longer[: self.manifest["expansions"]]]
        return found

    def postings(self, entry: Any) -> Iterator[tuple[int, int]]:
        if isinstance(entry, dict):
            data = self.bitmaps(entry["b"])
            nbytes = (self.n + 7) // 8
            title = np.unpackbits(np.frombuffer(data[:nbytes], dtype=np.uint8), bitorder="little")
            anywhere = np.unpackbits(np.frombuffer(data[nbytes:], dtype=np.uint8), bitorder="little")
            q_title, q_body = entry["q"]
            for d in np.flatnonzero(anywhere[: self.n]).tolist():
                yield d, q_title if title[d] else q_body
            return
        d = 0
        for gap, q in zip(entry[0], entry[1], strict=True):
            d += gap
            yield d, q

    def search(self, query: str, limit: int = FIRST_RESULTS) -> list[Hit]:
        return self.search_counted(query, limit)[0]

    def search_counted(self, query: str, limit: int = FIRST_RESULTS) -> tuple[list[Hit], int]:
        """The best ``limit`` hits and how many documents match in all (the worker announces it)."""
        words = parse_query(query, frozenset(self.manifest["stop"]), self.manifest["words"])
        found = [self.variants(qw) for qw in words]
        budget = int(self.manifest["bitmaps"])
        budget -= sum(1 for group in found for _t, e, w in group if w == 1.0 and isinstance(e, dict))
        groups: list[list[tuple[str, Any, float]]] = []
        for group in found:
            kept = []
            for v in group:
                if v[2] == 1.0 or not isinstance(v[1], dict):
                    kept.append(v)
                elif budget > 0:
                    budget -= 1
                    kept.append(v)
            groups.append(kept)
        score: dict[int, float] = {}
        mask: dict[int, int] = {}
        for g, group in enumerate(groups):
            best: dict[int, float] = {}
            # Every form of a word weighs as its most frequent form: a rare extension ("modelnet")
            # must not outrank the word typed ("models").
            word_idf = min((idf(self.n, _df(entry)) for _t, entry, _w in group), default=0.0)
            for _term, entry, weight in group:
                w = word_idf * weight
                for d, q in self.postings(entry):
                    s = w * q
                    if s > best.get(d, 0.0):
                        best[d] = s
            for d, s in best.items():
                score[d] = score.get(d, 0.0) + s
                mask[d] = mask.get(d, 0) | (1 << g)
        ranked = sorted(score, key=lambda d: (-mask[d].bit_count(), -score[d], d))[:limit]
        hits = []
        block = int(self.manifest["block"])
        for d in ranked:
            location, title, snip, *by = self.block(d // block)[d % block]
            matched = tuple(qw.word for g, qw in enumerate(words) if mask[d] >> g & 1)
            missing = tuple(qw.word for g, qw in enumerate(words) if not mask[d] >> g & 1)
            hits.append(Hit(d, location, title, snip, by[0] if by else "", score[d], matched, missing))
        return hits, len(score)


def _df(entry: Any) -> int:
    return int(entry["df"]) if isinstance(entry, dict) else len(entry[0])
