"""Sharded full-text search: an index the browser reads a few small files of, never the whole.

Material's own search downloads one JSON of every page's text before it can answer anything
(~2.7 KB a page: 27 MB at 10k papers). This package writes, into ``<site>/search/atlas/``:

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

:class:`generator.plugins.search.AtlasSearchPlugin` (entry point ``atlas-search``) writes the index
in ``on_post_build`` from the paper-atlas plugin's records plus the other pages' titles, and keeps
Material's search plugin (needed for its search box) from indexing anything.

Modules: :mod:`.tokenizer` (terms, mirrored by the worker), :mod:`.writer` (documents and
index files, and a command line for benchmarks), :mod:`.reader` (the reference query).
"""
