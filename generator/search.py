"""Sharded full-text search: an index the browser reads a few small files of, never the whole.

Material's own search downloads one JSON of every page's text before it can answer anything
(~2.7 KB a page: 27 MB at 10k papers). This module writes, into ``<site>/search/atlas/``:

``manifest.json``
    a few KB: format version, document count, the first term of every term shard (sorted, so a
    binary search finds a term's shard), the stop words, a content hash used to version URLs.
``t/<i>.json``
    term shards of ~``SHARD_BYTES`` each: ``{term: entry}`` for a contiguous, sorted range of
    terms. A *rare* term's entry is ``[doc gaps, impacts]`` (doc ids delta-encoded, one impact
    per doc, 1..99), optionally followed by the term's most frequent written form (for
    suggestions) when it differs from the stem. A *common* term (``df > common_df(n)``) instead
    has ``{"b": k, "df": df, "q": [title impact, body impact]}`` and its postings live in
    ``b/<k>.bin``: two bitmaps of ``ceil(n/8)`` bytes (in the title; anywhere), bit ``d % 8`` of byte
    ``d // 8`` for document ``d``. Bitmaps cap what a very common word costs a query at ``n/4`` bytes.
``d/<j>.json``
    document metadata, ``BLOCK`` documents a file: ``[location, title, snippet]``, and a fourth
    element, the byline (date · organisation or authors · upvotes), for a paper that has one;
    only the blocks of the top results are fetched.

Scoring is BM25F (title weighted ``TITLE_WEIGHT``) split as ``idf(df) * impact``: the impact
(the saturated, length-normalised term frequency) is quantised per posting, the idf is computed
by the reader from ``df`` and ``n``. Terms are folded (NFKD, marks stripped, lower case), split
on anything but letters and digits, stop words dropped, and plural ``s`` stemmed
(:func:`stem`); ``assets/javascripts/atlas-search-worker.js`` tokenizes queries identically, and
:class:`IndexReader` here is its reference implementation (tests and benchmarks use it).

Building is one streaming pass over the documents into compact arrays (no per-posting Python
objects), then numpy sorts and groups them. All output is deterministic: same documents, same bytes.

:class:`AtlasSearchPlugin` (entry point ``atlas-search``) writes the index in ``on_post_build``
from the paper-atlas plugin's records plus the other pages' titles, and keeps Material's search
plugin (needed for its search box) from indexing anything.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import logging
import math
import re
import shutil
import sys
import time
import unicodedata
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority
from mkdocs.structure.files import Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.utils.templates import TemplateContext

from .model import Paper
from .views import byline

log = logging.getLogger("mkdocs.plugins.atlas_search")

FORMAT_VERSION = 2  # 2: bylines in the metadata blocks
INDEX_DIR = "search/atlas"
BLOCK = 16  # documents per metadata file
SHARD_BYTES = 32 * 1024  # target size of a term shard
COMMON_MIN_DF = 2000  # a term is common (bitmaps) when its df exceeds max(this, n * COMMON_SHARE)
COMMON_SHARE = 1 / 20
TITLE_WEIGHT = 4.0
K1 = 1.2
B_TITLE = 0.5
B_BODY = 0.75
IMPACT_MAX = 99
SNIPPET_CHARS = 200
MIN_PREFIX = 3  # query words this long (after stemming) also match longer terms
MAX_EXPANSIONS = 6  # of one query word, the most frequent
EXPANSION_WEIGHT = 0.9
MAX_QUERY_WORDS = 10
MAX_BITMAPS = 8  # per query, unless its own words need more: extensions beyond this are dropped
FIRST_RESULTS = 10  # the worker answers with this many first ...
MAX_RESULTS = 50  # ... then with up to this many

STOP_WORDS = frozenset(
    "a an and are as at be been but by for from has have in into is it its of on or our that the "
    "their these this to was we were which while with".split()
)

_ASCII_FOLD = bytes(
    b + 32 if 65 <= b <= 90 else b if 48 <= b <= 57 or 97 <= b <= 122 else 32 for b in range(256)
)
_WORD = re.compile(r"[^\W_]+")
_MARKDOWN_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!&|<>~$^%'\"])")
_TAGS = re.compile(r"<[^>]*>")
_HEADERLINK = re.compile(r'<a class="headerlink"[^>]*>.*?</a>', re.DOTALL)
_SPACE = re.compile(r"\s+")

Int64Array = npt.NDArray[np.int64]


# -- tokenization (mirrored in atlas-search-worker.js) ---------------------------------------------


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.category(ch).startswith("M")).lower()


def _token_bytes(text: str) -> list[bytes]:
    """Folded tokens as UTF-8 bytes; ASCII text (nearly all of it) takes a fast C-only path."""
    if text.isascii():
        return text.encode("ascii").translate(_ASCII_FOLD).split()
    return [w.encode("utf-8") for w in _WORD.findall(_fold(text))]


def tokens(text: str) -> list[str]:
    """Folded words: NFKD, combining marks dropped, lower case, runs of letters and digits."""
    if text.isascii():
        return text.encode("ascii").translate(_ASCII_FOLD).decode("ascii").split()
    return _WORD.findall(_fold(text))


def stem(word: str) -> str:
    """Harman's "S" stemmer, on ASCII words longer than 3 letters: models -> model, studies -> study."""
    if len(word) <= 3 or word[-1] != "s" or not (word.isascii() and word.isalpha()):
        return word
    if word.endswith("ies") and not word.endswith(("eies", "aies")):
        return word[:-3] + "y"
    if word.endswith(("us", "ss")):
        return word
    return word[:-1]


def terms(text: str) -> list[str]:
    """The index terms of a text, in order, repeats kept: tokens without stop words, stemmed."""
    return [stem(w) for w in tokens(text) if w not in STOP_WORDS]


def common_df(n_docs: int) -> int:
    """Terms in more documents than this get bitmaps instead of posting lists."""
    return max(COMMON_MIN_DF, math.ceil(n_docs * COMMON_SHARE))


def idf(n_docs: int, df: int) -> float:
    return math.log(1 + (n_docs - df + 0.5) / (df + 0.5))


def _utf16_key(term: str) -> bytes:
    """Sort key matching JavaScript's string order (UTF-16 code units), so the worker can bisect."""
    return term.encode("utf-16-be")


# -- documents -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchDoc:
    """One search result: where it is, its title, the text indexed with it, and the text shown."""

    location: str  # relative to the site root, e.g. "papers/<id>/"
    title: str
    text: str
    snippet: str
    byline: str = ""  # a paper's date, organisation or authors, upvotes


def plain(text: str) -> str:
    """Corpus text as a reader sees it: Markdown backslash escapes removed, whitespace collapsed."""
    return _SPACE.sub(" ", _MARKDOWN_ESCAPE.sub(r"\1", text)).strip()


def snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    text = plain(text)
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit].rstrip(" ,;:.") + "…"


def paper_order(papers: Iterable[Paper]) -> list[Paper]:
    """Most upvoted, then newest first: equal scores rank the lower document number first."""
    return sorted(papers, key=lambda p: (-(p.upvotes or 0), _neg_date(p.published), p.id))


def _neg_date(published: str | None) -> tuple[int, str]:
    if published is None:
        return (1, "")
    return (0, "".join(chr(0x10FFFF - ord(ch)) for ch in published))  # descending


def paper_docs(
    papers: Iterable[Paper], tag_names: dict[str, tuple[str, ...]] | None = None
) -> Iterator[SearchDoc]:
    """One document per paper, in :func:`paper_order`; its tags' names are indexed with the abstract."""
    for p in paper_order(papers):
        text = p.abstract
        names = (tag_names or {}).get(p.id, ())
        if names:
            text = text + "\n" + " ".join(names)
        yield SearchDoc(p.url, plain(p.title), text, snippet(p.abstract), byline(p) or "")


# -- building --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndexStats:
    n_docs: int
    n_terms: int
    n_common: int
    n_shards: int
    n_blocks: int
    n_files: int
    total_bytes: int
    postings: int
    version: str

    def to_json(self) -> dict[str, Any]:
        return {
            "n_docs": self.n_docs,
            "n_terms": self.n_terms,
            "n_common": self.n_common,
            "n_shards": self.n_shards,
            "n_blocks": self.n_blocks,
            "n_files": self.n_files,
            "total_bytes": self.total_bytes,
            "postings": self.postings,
            "version": self.version,
        }


class _Writer:
    """Writes index files and hashes everything written, in order, into the index version."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.digest = hashlib.sha256()
        self.files = 0
        self.bytes = 0
        self._dirs: set[Path] = set()

    def write(self, rel: str, data: bytes) -> None:
        path = self.out_dir / rel
        if path.parent not in self._dirs:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._dirs.add(path.parent)
        path.write_bytes(data)
        self.digest.update(rel.encode("utf-8") + b"\0" + len(data).to_bytes(8, "big") + data)
        self.files += 1
        self.bytes += len(data)


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@dataclass
class _Field:
    """(raw term id, doc, tf) triples of one field, in compact arrays."""

    term: array[int] = field(default_factory=lambda: array("I"))
    doc: array[int] = field(default_factory=lambda: array("I"))
    tf: array[int] = field(default_factory=lambda: array("I"))
    length: array[int] = field(default_factory=lambda: array("I"))

    def add(self, doc: int, toks: list[bytes], term_id: Any) -> None:
        counts = Counter(toks)
        self.term.extend(map(term_id, counts.keys()))
        self.tf.extend(counts.values())
        self.doc.extend([doc] * len(counts))
        self.length.append(len(toks))


def _grouped(fld: _Field, raw_to_stem: Int64Array, n_docs: int) -> tuple[Int64Array, Int64Array]:
    """Unique (stem * n_docs + doc) keys, sorted, and their summed tf; stop words dropped."""
    stems = raw_to_stem[np.frombuffer(fld.term, dtype=np.uint32)]
    keep = stems >= 0
    keys = stems[keep] * n_docs + np.frombuffer(fld.doc, dtype=np.uint32)[keep].astype(np.int64)
    tfs = np.frombuffer(fld.tf, dtype=np.uint32)[keep].astype(np.int64)
    order = np.argsort(keys, kind="stable")
    keys, tfs = keys[order], tfs[order]
    if len(keys) == 0:
        return keys, tfs
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    return keys[starts], np.add.reduceat(tfs, starts)


def build_index(docs: Iterable[SearchDoc], out_dir: Path, *, shard_bytes: int = SHARD_BYTES) -> IndexStats:
    """Write the index for ``docs`` (numbered in iteration order) into ``out_dir``, replacing it."""
    if out_dir.exists():
        shutil.rmtree(out_dir)
    writer = _Writer(out_dir)
    vocab: defaultdict[bytes, int] = defaultdict(count().__next__)
    term_id = vocab.__getitem__
    title, body = _Field(), _Field()
    rows: list[list[str]] = []
    n_docs = 0
    for n_docs, doc in enumerate(docs, start=1):
        d = n_docs - 1
        title.add(d, _token_bytes(doc.title), term_id)
        body.add(d, _token_bytes(doc.text), term_id)
        rows.append(
            [doc.location, doc.title, doc.snippet, doc.byline]
            if doc.byline
            else [doc.location, doc.title, doc.snippet]
        )
        if len(rows) == BLOCK:
            writer.write(f"d/{d // BLOCK}.json", _dumps(rows).encode("utf-8"))
            rows = []
    if rows:
        writer.write(f"d/{(n_docs - 1) // BLOCK}.json", _dumps(rows).encode("utf-8"))
    n_blocks = (n_docs + BLOCK - 1) // BLOCK

    # Raw tokens -> stems (stop words -> -1), and each stem's most frequent written form.
    raw_terms = [t.decode("utf-8") for t in vocab]
    del vocab
    stem_ids: dict[str, int] = {}
    raw_to_stem = np.empty(len(raw_terms), dtype=np.int64)
    for i, raw in enumerate(raw_terms):
        raw_to_stem[i] = -1 if raw in STOP_WORDS else stem_ids.setdefault(stem(raw), len(stem_ids))
    stems = list(stem_ids)
    raw_df = np.bincount(np.frombuffer(title.term, dtype=np.uint32), minlength=len(raw_terms)) + np.bincount(
        np.frombuffer(body.term, dtype=np.uint32), minlength=len(raw_terms)
    )
    surface: dict[int, tuple[int, str]] = {}
    for i, raw in enumerate(raw_terms):
        s = int(raw_to_stem[i])
        if s >= 0:
            best = surface.get(s)
            candidate = (-int(raw_df[i]), raw)
            if best is None or candidate < best:
                surface[s] = candidate

    n = max(n_docs, 1)
    t_keys, t_tf = _grouped(title, raw_to_stem, n)
    b_keys, b_tf = _grouped(body, raw_to_stem, n)
    title_len = np.frombuffer(title.length, dtype=np.uint32).astype(np.float64)
    body_len = np.frombuffer(body.length, dtype=np.uint32).astype(np.float64)
    del title, body

    # Merge the fields: every (stem, doc) with its title tf and body tf.
    keys = np.sort(np.concatenate((t_keys, b_keys)))
    if len(keys):
        keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))]
    tft = np.zeros(len(keys), dtype=np.float64)
    tfb = np.zeros(len(keys), dtype=np.float64)
    tft[np.searchsorted(keys, t_keys)] = t_tf
    tfb[np.searchsorted(keys, b_keys)] = b_tf
    del t_keys, t_tf, b_keys, b_tf
    stem_of = keys // n
    doc_of = keys % n
    del keys
    avg_t = max(float(title_len.mean()) if n_docs else 1.0, 1.0)
    avg_b = max(float(body_len.mean()) if n_docs else 1.0, 1.0)
    tf_eff = TITLE_WEIGHT * tft / (1 - B_TITLE + B_TITLE * title_len[doc_of] / avg_t) + tfb / (
        1 - B_BODY + B_BODY * body_len[doc_of] / avg_b
    )
    impact = np.clip(np.rint(tf_eff / (tf_eff + K1) * IMPACT_MAX), 1, IMPACT_MAX).astype(np.int64)
    in_title = tft > 0
    del tft, tfb, tf_eff
    gaps = doc_of.copy()
    gaps[1:] -= doc_of[:-1]
    bounds = np.flatnonzero(np.concatenate(([True], stem_of[1:] != stem_of[:-1], [True])))
    starts = bounds[:-1]
    gaps[starts] = doc_of[starts]
    group_stem = stem_of[starts]
    span: dict[int, tuple[int, int]] = {
        int(s): (int(a), int(b)) for s, a, b in zip(group_stem, starts, bounds[1:], strict=True)
    }

    # Term shards, in JavaScript string order; common terms' bitmaps as they come.
    threshold = common_df(n_docs)
    nbytes = (n_docs + 7) // 8
    shard_firsts: list[str] = []
    parts: list[str] = []
    size = 0
    n_common = 0

    def flush() -> None:
        nonlocal parts, size
        if parts:
            writer.write(f"t/{len(shard_firsts) - 1}.json", ("{" + ",".join(parts) + "}").encode("utf-8"))
        parts, size = [], 0

    for s_text in sorted(stems, key=_utf16_key):
        s = stem_ids[s_text]
        if s not in span:
            continue
        a, b = span[s]
        df = b - a
        form = surface[s][1]
        if df > threshold:
            docs_here = doc_of[a:b]
            bits = np.zeros(nbytes * 8, dtype=bool)
            bits[docs_here[in_title[a:b]]] = True
            title_bits = np.packbits(bits, bitorder="little")
            bits[docs_here] = True
            any_bits = np.packbits(bits, bitorder="little")
            writer.write(f"b/{n_common}.bin", title_bits.tobytes() + any_bits.tobytes())
            imp, tit = impact[a:b], in_title[a:b]
            q_title = int(np.rint(imp[tit].mean())) if tit.any() else IMPACT_MAX
            q_body = int(np.rint(imp[~tit].mean())) if (~tit).any() else 1
            entry: dict[str, Any] = {"b": n_common, "df": df, "q": [q_title, q_body]}
            if form != s_text:
                entry["w"] = form
            n_common += 1
            text = _dumps(entry)
        else:
            value: list[Any] = [gaps[a:b].tolist(), impact[a:b].tolist()]
            if form != s_text:
                value.append(form)
            text = _dumps(value)
        part = _dumps(s_text) + ":" + text
        if size and size + len(part) > shard_bytes:
            flush()
        if not parts:
            shard_firsts.append(s_text)
        parts.append(part)
        size += len(part) + 1
    flush()

    version = writer.digest.hexdigest()[:16]
    manifest = {
        "format": FORMAT_VERSION,
        "version": version,
        "n": n_docs,
        "block": BLOCK,
        "shards": shard_firsts,
        "stop": sorted(STOP_WORDS),
        "prefix": MIN_PREFIX,
        "expansions": MAX_EXPANSIONS,
        "expansion_weight": EXPANSION_WEIGHT,
        "words": MAX_QUERY_WORDS,
        "bitmaps": MAX_BITMAPS,
        "first": FIRST_RESULTS,
        "max": MAX_RESULTS,
    }
    writer.write("manifest.json", (json.dumps(manifest, ensure_ascii=False, sort_keys=True) + "\n").encode())
    return IndexStats(
        n_docs=n_docs,
        n_terms=len(span),
        n_common=n_common,
        n_shards=len(shard_firsts),
        n_blocks=n_blocks,
        n_files=writer.files,
        total_bytes=writer.bytes,
        postings=len(doc_of),
        version=version,
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


# -- MkDocs plugin ---------------------------------------------------------------------------------


class AtlasSearchConfig(base.Config):
    atlas_plugin = c.Type(str, default="paper-atlas")
    """Name of the plugin whose ``atlas`` attribute holds the papers (see generator/plugin.py)."""


class AtlasSearchPlugin(BasePlugin[AtlasSearchConfig]):
    """Writes the sharded index after the build; keeps Material's search box, not its index."""

    def __init__(self) -> None:
        self.pages: dict[str, SearchDoc] = {}
        self.paper_srcs: frozenset[str] | None = None
        self.paused: BasePlugin[Any] | None = None

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        if "material/search" not in config.plugins:
            log.warning("atlas-search: Material's 'search' plugin is not enabled, so no search box is shown")
        return config

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files:
        self.pages = {}
        self.paper_srcs = None
        return files

    def _atlas(self, config: MkDocsConfig) -> Any:
        plugin = config.plugins.get(self.config.atlas_plugin)
        return getattr(plugin, "atlas", None)

    # Material's search plugin must stay enabled, or its header shows no search box; but on every page
    # it would index the page and run a regex over its HTML (~250 µs a page, ~25 s at 100k pages).
    # So it is switched off just around its own on_page_context, and on again before the page is
    # rendered. Its on_post_build then writes a search_index.json with no documents: the page still
    # fetches that file (for its settings) before it starts the worker.

    @event_priority(100)
    def _pause_material_search(
        self, context: TemplateContext, /, *, page: Page, config: MkDocsConfig, nav: Navigation
    ) -> TemplateContext:
        material = config.plugins.get("material/search")
        if material is not None and material.config.get("enabled"):
            material.config["enabled"] = False
            self.paused = material
        self._collect(page, config)
        return context

    @event_priority(-100)
    def _resume_material_search(
        self, context: TemplateContext, /, *, page: Page, config: MkDocsConfig, nav: Navigation
    ) -> TemplateContext:
        if self.paused is not None:
            self.paused.config["enabled"] = True
            self.paused = None
        return context

    on_page_context = CombinedEvent(_pause_material_search, _resume_material_search)

    def _collect(self, page: Page, config: MkDocsConfig) -> None:
        """Pages other than papers are indexed by title (hand-written ones by their text too)."""
        if self.paper_srcs is None:
            atlas = self._atlas(config)
            self.paper_srcs = frozenset(f"papers/{p.id}.md" for p in atlas.papers) if atlas else frozenset()
        if page.file.src_uri in self.paper_srcs:
            return
        title = html.unescape(str(page.meta.get("title") or page.title or ""))  # MkDocs gives it as HTML
        description = html.unescape(str(page.meta.get("description") or ""))  # escaped for an attribute
        if page.file.generated_by is None and page.content:  # a hand-written page: index its text
            text = plain(html.unescape(_TAGS.sub(" ", _HEADERLINK.sub("", page.content))))[:20_000]
        else:
            text = description
        self.pages[page.url] = SearchDoc(page.url, title, text, snippet(description or text))

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        started = time.perf_counter()
        atlas = self._atlas(config)
        docs: list[SearchDoc] = []
        if atlas is not None:
            by_id = atlas.taxonomy.by_id
            names = {
                pid: tuple(by_id[t].name for t in tags if t in by_id) for pid, tags in atlas.tags.items()
            }
            docs.extend(paper_docs(atlas.papers, names))
        docs.extend(self.pages[url] for url in sorted(self.pages))
        stats = build_index(docs, Path(config.site_dir) / INDEX_DIR)
        log.info(
            "atlas-search: %d documents, %d terms (%d common), %d files, %.1f MB in %.2fs",
            stats.n_docs,
            stats.n_terms,
            stats.n_common,
            stats.n_files,
            stats.total_bytes / 1e6,
            time.perf_counter() - started,
        )


# -- command line (benchmarks) ---------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m generator.search CORPUS OUT_DIR``: index the corpus's papers alone; print stats."""
    from .corpus import load_corpus

    parser = argparse.ArgumentParser(prog="python -m generator.search", description=main.__doc__)
    parser.add_argument("corpus", type=Path)
    parser.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    corpus = load_corpus(args.corpus)
    loaded = time.perf_counter()
    stats = build_index(paper_docs(corpus.papers), args.out)
    done = time.perf_counter()
    json.dump(
        {
            **stats.to_json(),
            "load_seconds": round(loaded - started, 3),
            "index_seconds": round(done - loaded, 3),
        },
        sys.stdout,
    )
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
