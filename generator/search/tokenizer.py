"""Search terms: folding, tokenizing and stemming, the scoring maths, and the index format's
constants that writer and reader share. ``assets/javascripts/atlas-search-worker.js`` mirrors it:
queries must be tokenized exactly as documents were.
"""

from __future__ import annotations

import math
import re
import unicodedata

FORMAT_VERSION = 2  # 2: bylines in the metadata blocks
INDEX_DIR = "search/atlas"
BLOCK = 16  # documents per metadata file
COMMON_MIN_DF = 2000  # a term is common (bitmaps) when its df exceeds max(this, n * COMMON_SHARE)
COMMON_SHARE = 1 / 20
FIRST_RESULTS = 10  # the worker answers with this many first ...
MAX_RESULTS = 50  # ... then with up to this many
MIN_PREFIX = 3  # query words this long (after stemming) also match longer terms
MAX_EXPANSIONS = 6  # of one query word, the most frequent
EXPANSION_WEIGHT = 0.9
MAX_QUERY_WORDS = 10
MAX_BITMAPS = 8  # per query, unless its own words need more: extensions beyond this are dropped

STOP_WORDS = frozenset(
    "a an and are as at be been but by for from has have in into is it its of on or our that the "
    "their these this to was we were which while with".split()
)

_ASCII_FOLD = bytes(
    b + 32 if 65 <= b <= 90 else b if 48 <= b <= 57 or 97 <= b <= 122 else 32 for b in range(256)
)
_WORD = re.compile(r"[^\W_]+")


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
