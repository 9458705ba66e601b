"""Enrich: tags, the shared vector space, related papers, mentions, inferred tags, topics, names."""
