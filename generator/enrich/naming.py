"""Collections: one per corpus file, with a readable default name and description.

The default name comes from the collection's most distinctive title terms (TF-IDF of each
collection's titles against the others'); ``corpus/collections.yml`` overrides it.
"""

from __future__ import annotations

from collections.abc import Sequence

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

from generator.ingest.records import Dated
from generator.ingest.settings import CollectionSettings
from generator.model import Collection

# Words that say nothing about a listing of neural-network papers.
DOMAIN_STOP_WORDS = frozenset(
    """
    neural network networks learning deep model models based using via towards toward
    efficient new approach method methods paper study analysis data training trained
    """.split()
)
TERM_COUNT = 3
DESCRIPTION_TERMS = 8


def distinctive_terms(docs: Sequence[str], count: int) -> list[list[str]]:
    """For each document, its ``count`` highest-scoring TF-IDF terms (ties broken alphabetically)."""
    if not any(doc.strip() for doc in docs):
        return [[] for _ in docs]
    vectorizer = TfidfVectorizer(
        stop_words=sorted(ENGLISH_STOP_WORDS | DOMAIN_STOP_WORDS),
        ngram_range=(1, 2),
        sublinear_tf=True,
        token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z0-9-]+\b",
    )
    try:
        matrix = vectorizer.fit_transform(docs).tocsr()
    except ValueError:  # only stop words
        return [[] for _ in docs]
    vocab = vectorizer.get_feature_names_out()
    result: list[list[str]] = []
    for row in range(matrix.shape[0]):
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        scored = sorted(
            zip(matrix.data[start:end], matrix.indices[start:end], strict=True),
            key=lambda pair: (-round(float(pair[0]), 9), str(vocab[pair[1]])),
        )
        terms: list[str] = []
        for _, index in scored:
            term = str(vocab[index])
            # Skip a unigram already inside a chosen bigram, and vice versa.
            if any(term in chosen.split() or chosen in term.split() for chosen in terms):
                continue
            terms.append(term)
            if len(terms) == count:
                break
        result.append(terms)
    return result


def _join(terms: Sequence[str]) -> str:
    if len(terms) <= 1:
        return "".join(terms)
    return ", ".join(terms[:-1]) + " and " + terms[-1]


def name_collections(
    items: Sequence[tuple[str, str, Sequence[Dated], CollectionSettings, int | None]],
) -> tuple[Collection, ...]:
    """Build each collection from (id, path, its entries, its settings, its capture year)."""
    docs = [" \n".join(d.entry.title for d in members) for _, _, members, _, _ in items]
    terms = distinctive_terms(docs, DESCRIPTION_TERMS)
    collections: list[Collection] = []
    for (cid, path, members, settings, year), top in zip(items, terms, strict=True):
        default_name = _join(top[:TERM_COUNT]).capitalize() if top else cid
        n = len(members)
        default_description = f"{n} paper{'s' if n != 1 else ''} listed in {path}" + (
            f"; its most distinctive title terms: {', '.join(top)}." if top else "."
        )
        collections.append(
            Collection(
                id=cid,
                path=path,
                name=settings.name or default_name,
                description=settings.description or default_description,
                capture_year=year,
                entry_count=n,
            )
        )
    return tuple(collections)
