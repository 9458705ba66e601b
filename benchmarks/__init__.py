"""Benchmarks: a synthetic corpus writer and the plain-MkDocs floor to compare the generator against."""
