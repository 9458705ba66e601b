"""Writing the index: search documents from papers and pages, then shards, bitmaps and blocks."""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import re
import shutil
import sys
import time
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from generator.model import Paper
from generator.search.tokenizer import (
    BLOCK,
    EXPANSION_WEIGHT,
    FIRST_RESULTS,
    FORMAT_VERSION,
    MAX_BITMAPS,
    MAX_EXPANSIONS,
    MAX_QUERY_WORDS,
    MAX_RESULTS,
    MIN_PREFIX,
    STOP_WORDS,
    _token_bytes,
    _utf16_key,
    common_df,
    stem,
)
from generator.site import routes
from generator.site.routes import Routes
from generator.site.views import byline

SHARD_BYTES = 32 * 1024  # target size of a term shard
TITLE_WEIGHT = 4.0
K1 = 1.2
B_TITLE = 0.5
B_BODY = 0.75
IMPACT_MAX = 99
SNIPPET_CHARS = 200

_MARKDOWN_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!&|<>~$^%'\"])")
_TAGS = re.compile(r"<[^>]*>")
_HEADERLINK = re.compile(r'<a class="headerlink"[^>]*>.*?</a>', re.DOTALL)
_SPACE = re.compile(r"\s+")

Int64Array = npt.NDArray[np.int64]


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


def page_text(content: str) -> str:
    """The plain text of a page's HTML (its headings' permalinks left out)."""
    return plain(html.unescape(_TAGS.sub(" ", _HEADERLINK.sub("", content))))


def paper_order(papers: Iterable[Paper]) -> list[Paper]:
    """Most upvoted, then newest first: equal scores rank the lower document number first."""
    return sorted(papers, key=lambda p: (-(p.upvotes or 0), _neg_date(p.published), p.id))


def _neg_date(published: str | None) -> tuple[int, str]:
    if published is None:
        return (1, "")
    return (0, "".join(chr(0x10FFFF - ord(ch)) for ch in published))  # descending


def paper_docs(
    papers: Iterable[Paper],
    tag_names: dict[str, tuple[str, ...]] | None = None,
    site: Routes | None = None,
) -> Iterator[SearchDoc]:
    """One document per paper, in :func:`paper_order`; its tags' names are indexed with the abstract.
    Its location is the paper page's URL (``site``: the site's routes; directory URLs by default)."""
    site = site or Routes()
    for p in paper_order(papers):
        text = p.abstract
        names = (tag_names or {}).get(p.id, ())
        if names:
            text = text + "\n" + " ".join(names)
        yield SearchDoc(
            site.url(routes.paper(p.id)), plain(p.title), text, snippet(p.abstract), byline(p) or ""
        )


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
    """Write the index for ``docs`` (numbered in iteration order) into ``out_dir``, replacing it.

    Four passes: read the documents (tokens into compact arrays, metadata blocks written as they
    come), fold raw tokens into stems, turn (stem, document) pairs into scored postings, then write
    the term shards, the common terms' bitmaps and the manifest.
    """
    if out_dir.exists():
        shutil.rmtree(out_dir)
    writer = _Writer(out_dir)
    raw_terms, title, body, n_docs = _read_documents(docs, writer)
    stems = _Stems.of(raw_terms, title, body)
    postings = _Postings.of(title, body, stems.raw_to_stem, n_docs)
    del title, body
    shard_firsts, n_common = _write_terms(writer, stems, postings, n_docs, shard_bytes)
    version = _write_manifest(writer, n_docs, shard_firsts)
    return IndexStats(
        n_docs=n_docs,
        n_terms=len(postings.span),
        n_common=n_common,
        n_shards=len(shard_firsts),
        n_blocks=(n_docs + BLOCK - 1) // BLOCK,
        n_files=writer.files,
        total_bytes=writer.bytes,
        postings=len(postings.doc_of),
        version=version,
    )


def _read_documents(docs: Iterable[SearchDoc], writer: _Writer) -> tuple[list[str], _Field, _Field, int]:
    """Tokenize every document into the two fields; write the metadata blocks of ``BLOCK`` documents."""
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
    return [t.decode("utf-8") for t in vocab], title, body, n_docs


@dataclass
class _Stems:
    """Raw tokens folded into stems (stop words: -1), and each stem's most frequent written form."""

    ids: dict[str, int]
    raw_to_stem: Int64Array
    surface: dict[int, tuple[int, str]]

    @classmethod
    def of(cls, raw_terms: list[str], title: _Field, body: _Field) -> _Stems:
        stem_ids: dict[str, int] = {}
        raw_to_stem = np.empty(len(raw_terms), dtype=np.int64)
        for i, raw in enumerate(raw_terms):
            raw_to_stem[i] = -1 if raw in STOP_WORDS else stem_ids.setdefault(stem(raw), len(stem_ids))
        raw_df = np.bincount(np.frombuffer(title.term, dtype=np.uint32), minlength=len(raw_terms))
        raw_df += np.bincount(np.frombuffer(body.term, dtype=np.uint32), minlength=len(raw_terms))
        surface: dict[int, tuple[int, str]] = {}
        for i, raw in enumerate(raw_terms):
            s = int(raw_to_stem[i])
            if s >= 0:
                best = surface.get(s)
                candidate = (-int(raw_df[i]), raw)
                if best is None or candidate < best:
                    surface[s] = candidate
        return cls(stem_ids, raw_to_stem, surface)


@dataclass
class _Postings:
    """Every (stem, document) pair, sorted by stem then document, with its BM25F impact."""

    doc_of: Int64Array
    gaps: Int64Array  # doc ids delta-encoded within each stem's run
    impact: Int64Array
    in_title: npt.NDArray[np.bool_]
    span: dict[int, tuple[int, int]]  # stem -> [start, end) of its run

    @classmethod
    def of(cls, title: _Field, body: _Field, raw_to_stem: Int64Array, n_docs: int) -> _Postings:
        n = max(n_docs, 1)
        t_keys, t_tf = _grouped(title, raw_to_stem, n)
        b_keys, b_tf = _grouped(body, raw_to_stem, n)
        title_len = np.frombuffer(title.length, dtype=np.uint32).astype(np.float64)
        body_len = np.frombuffer(body.length, dtype=np.uint32).astype(np.float64)
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
        span = {int(s): (int(a), int(b)) for s, a, b in zip(stem_of[starts], starts, bounds[1:], strict=True)}
        return cls(doc_of, gaps, impact, in_title, span)


def _write_terms(
    writer: _Writer, stems: _Stems, postings: _Postings, n_docs: int, shard_bytes: int
) -> tuple[list[str], int]:
    """Term shards in JavaScript string order, and common terms' bitmaps as they come. Returns the
    first term of each shard and the number of common terms."""
    threshold = common_df(n_docs)
    shard_firsts: list[str] = []
    parts: list[str] = []
    size = 0
    n_common = 0

    def flush() -> None:
        nonlocal parts, size
        if parts:
            writer.write(f"t/{len(shard_firsts) - 1}.json", ("{" + ",".join(parts) + "}").encode("utf-8"))
        parts, size = [], 0

    for s_text in sorted(stems.ids, key=_utf16_key):
        s = stems.ids[s_text]
        if s not in postings.span:
            continue
        a, b = postings.span[s]
        form = stems.surface[s][1]
        if b - a > threshold:
            entry = _common_entry(writer, postings, a, b, n_docs, n_common)
            if form != s_text:
                entry["w"] = form
            n_common += 1
            text = _dumps(entry)
        else:
            value: list[Any] = [postings.gaps[a:b].tolist(), postings.impact[a:b].tolist()]
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
    return shard_firsts, n_common


def _common_entry(
    writer: _Writer, postings: _Postings, a: int, b: int, n_docs: int, k: int
) -> dict[str, Any]:
    """A common term: its two bitmaps (in the title; anywhere) written as ``b/<k>.bin``, and its entry."""
    nbytes = (n_docs + 7) // 8
    docs_here = postings.doc_of[a:b]
    bits = np.zeros(nbytes * 8, dtype=bool)
    bits[docs_here[postings.in_title[a:b]]] = True
    title_bits = np.packbits(bits, bitorder="little")
    bits[docs_here] = True
    any_bits = np.packbits(bits, bitorder="little")
    writer.write(f"b/{k}.bin", title_bits.tobytes() + any_bits.tobytes())
    imp, tit = postings.impact[a:b], postings.in_title[a:b]
    q_title = int(np.rint(imp[tit].mean())) if tit.any() else IMPACT_MAX
    q_body = int(np.rint(imp[~tit].mean())) if (~tit).any() else 1
    return {"b": k, "df": b - a, "q": [q_title, q_body]}


def _write_manifest(writer: _Writer, n_docs: int, shard_firsts: list[str]) -> str:
    """The manifest (format, counts, shard index, the query settings the worker reads); its version."""
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
    return version


# -- command line (benchmarks) ---------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m generator.search.writer CORPUS OUT_DIR``: index the corpus's papers alone; print stats."""
    from generator.ingest.corpus import load_corpus

    parser = argparse.ArgumentParser(prog="python -m generator.search.writer", description=main.__doc__)
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
